"""kshim: Keras-compatible layers that are real ``torch.nn.Module``s."""

__version__ = "0.1.0.dev0"

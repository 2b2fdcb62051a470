"""The version of derive, in one place: the package face and the documents it writes read it."""

__version__ = "0.1.0"

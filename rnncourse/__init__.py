"""rnncourse: the tested package behind the book."""

"""pyflash: spaced-repetition flashcards for programmers who live in the terminal."""

__version__ = "0.1.0"

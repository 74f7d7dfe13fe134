"""Welcome committees."""

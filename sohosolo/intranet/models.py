"""Intranet: news, discussions, documents, notice board."""

"""The intranet's documents are private files (sohosolo.lib.storage); this name stays for the migrations."""

from sohosolo.lib.storage import PrivateFileSystemStorage, private_storage

document_storage = private_storage

__all__ = ["PrivateFileSystemStorage", "document_storage"]

"""FHIR R4 in and out: reading and validating files, mapping resources to items, and the
IPS document export."""

from clinical.fhir.ips import Author, build, check
from clinical.fhir.mapping import Attachment, MappedDocument, MappedItem, identity, map_document
from clinical.fhir.reader import MAX_BYTES, Document, Entry, read

__all__ = ["MAX_BYTES", "Attachment", "Author", "Document", "Entry", "MappedDocument",
           "MappedItem", "build", "check", "identity", "map_document", "read"]

"""Reading raw files into text: readers by file type, tables whose rows are documents, and bytes
of any encoding."""

"""Reading raw files into text: readers by file type, and bytes of any encoding."""

"""Reading raw files into text: decoding bytes of any encoding (and, next, file types)."""

"""Pure preprocessing functions: decoding, converting and resizing inputs. No state."""

"""Stand-in for crf.py while another exercise is graded: no other exercise imports it, so it is empty."""

"""Glue for the Star City news monitor: configuration, the demo web and the command line."""

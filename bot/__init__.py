"""cellmeet: online party-cell meetings."""

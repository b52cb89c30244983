"""Videosparring: video-based sparring on conversations with children."""

"""`make bench-tiles`: the tile benchmark (SQL floor, this server, tipg, warm cache, nginx)."""

"""Article promotion scheduler: articles in, social posts out, once and on time."""

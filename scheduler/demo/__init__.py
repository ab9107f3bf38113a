"""`scheduler demo` and what it brings with it: the reference article, and a private Redis for one-machine
runs. A face, like the CLI: it may import anything below it."""

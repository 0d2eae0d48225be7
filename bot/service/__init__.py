"""What the cogs and the command line call: polling, digests, reading; plain data in and out."""

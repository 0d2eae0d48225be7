"""The Discord layer: the client, interactions, embeds, delivery. The only part that imports discord."""

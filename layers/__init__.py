"""The atlas domain: layer catalogue, metadata, features and sample data. No Flask here."""

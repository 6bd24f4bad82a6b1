"""Agent-based model of the January 2025 TikTok-refugee platform migration, on Mesa."""

__version__ = "0.1.0"

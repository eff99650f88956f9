"""The MCP server for AI agents."""

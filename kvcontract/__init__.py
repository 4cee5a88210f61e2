"""kvcontract: executable YAML contracts for LLM KV caches."""
__version__ = "0.1.0"

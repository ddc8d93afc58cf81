"""The Sparkplug B payload schema: sparkplug_b.proto from Eclipse Tahu and the module protoc generated from it
(scripts/gen-sparkplug-pb2 regenerates it; docs/interop.md says why it is generated and not a client package)."""

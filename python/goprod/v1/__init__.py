"""goprod's API, version 1: goprod_pb2 (messages) and goprod_pb2_grpc (GoprodStub),
generated at build time from goprod/v1/goprod.proto."""

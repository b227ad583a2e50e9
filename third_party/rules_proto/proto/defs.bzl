"""Forwards the @rules_proto API to Bazel's native rules (offline, bazel 4.2.3).

Note: native proto_library needs @com_google_protobuf sources, which are not
available offline; cwalarm uses //third_party:proto.bzl instead.
"""

def proto_lang_toolchain(**attrs):
    native.proto_lang_toolchain(**attrs)

def proto_library(**attrs):
    native.proto_library(**attrs)

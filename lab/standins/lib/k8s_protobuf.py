#!/usr/bin/env python3
"""LAB STAND-IN: Kubernetes protobuf request bodies → the JSON the same client would have sent (stdlib only).

Why: kubectl 1.37 sends the bodies of its typed commands (create token, create namespace, auth can-i,
...) as Content-Type application/vnd.kubernetes.protobuf and does not retry as JSON. The stand-in API
server speaks JSON; decode_body() turns such a body into the dict kubectl would have sent as JSON.

The body is the 4-byte magic b"k8s\x00" then a runtime.Unknown message: typeMeta{apiVersion=1, kind=2}=1,
raw=2 (the object's own protobuf bytes), contentEncoding=3, contentType=4. The object's message comes
from apiVersion+kind in k8s_proto_schema.MESSAGES, which also says how Go's JSON shows each field
(omitempty, pointers): the wire carries zero values JSON leaves out.

CLI, for debugging: python3 k8s_protobuf.py < body.bin   → the JSON on stdout.
"""
from __future__ import annotations

import base64
import datetime
import json
import struct
import sys
from dataclasses import dataclass, field

from k8s_proto_schema import GROUPS, MESSAGES

MAGIC = b"k8s\x00"
META = "meta.v1"


@dataclass
class Field:
    name: str
    number: int
    label: str  # optional | repeated | map
    type: str  # a scalar name, or the message's name in k8s_proto_schema
    flags: str = ""  # Go JSON: o omitempty, z omitzero, n nil when absent, p pointer, i embedded
    key_type: str = ""  # for maps
    type_fqn: str = ""  # the message name, "" for scalars


@dataclass
class Message:
    fqn: str
    fields: dict[int, Field] = field(default_factory=dict)


SCALARS = {
    "double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
    "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes",
}
SPECIAL = {"meta.v1.Time", "meta.v1.MicroTime", "meta.v1.FieldsV1", "resource.Quantity", "intstr.IntOrString"}


def _field(number: int, name: str, typ: str, flags: str) -> Field:
    label, key = "optional", ""
    if typ.startswith("[]"):
        label, typ = "repeated", typ[2:]
    elif typ.startswith("map["):
        key, _, typ = typ[4:].partition("]")
        label = "map"
    return Field(name, number, label, typ, flags, key, "" if typ in SCALARS else typ)


class Registry:
    """The messages of k8s_proto_schema, by name."""

    def __init__(self):
        self.messages = {fqn: Message(fqn, {n: _field(n, name, typ, flags) for n, name, typ, flags in fields}) for fqn, fields in MESSAGES.items()}
        for m in self.messages.values():
            for f in m.fields.values():
                if f.type_fqn and f.type_fqn not in self.messages and f.type_fqn not in SPECIAL:
                    raise ValueError(f"k8s_proto_schema: {m.fqn}.{f.name} uses {f.type_fqn}, which is not defined")


# ---------------------------------------------------------------------------------------------------
# The wire format.
# ---------------------------------------------------------------------------------------------------


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("protobuf: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ValueError("protobuf: varint too long")


def wire_fields(buf: bytes):
    """(field number, wire type, value) for each field: an int for varint/fixed, bytes when length-delimited."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = int.from_bytes(buf[pos : pos + 8], "little"), pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire == 5:
            value, pos = int.from_bytes(buf[pos : pos + 4], "little"), pos + 4
        else:
            raise ValueError(f"protobuf: unsupported wire type {wire} (field {number})")
        if pos > len(buf):
            raise ValueError(f"protobuf: field {number} runs past the end of its message")
        yield number, wire, value


def _signed(v: int, bits: int) -> int:
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _scalar(typ: str, wire: int, v):
    """One scalar as Go's encoding/json prints it (int64 too is a JSON number)."""
    if typ == "string":
        return v.decode("utf-8")
    if typ == "bytes":
        return base64.b64encode(v).decode("ascii")
    if typ == "bool":
        return v != 0
    if typ in ("int32", "int64", "sfixed64"):
        return _signed(v, 64)  # a negative int32 is sign-extended to 64 bits on the wire
    if typ == "sfixed32":
        return _signed(v, 32)
    if typ in ("sint32", "sint64"):
        return (v >> 1) ^ -(v & 1)
    if typ == "double":
        return struct.unpack("<d", v.to_bytes(8, "little"))[0]
    if typ == "float":
        return struct.unpack("<f", v.to_bytes(4, "little"))[0]
    return v  # uint32, uint64, fixed32, fixed64


def _unpack(typ: str, buf: bytes) -> list:
    """A packed repeated scalar: the values back to back in one length-delimited field."""
    out, pos = [], 0
    while pos < len(buf):
        if typ in ("double", "fixed64", "sfixed64"):
            out.append(_scalar(typ, 1, int.from_bytes(buf[pos : pos + 8], "little")))
            pos += 8
        elif typ in ("float", "fixed32", "sfixed32"):
            out.append(_scalar(typ, 5, int.from_bytes(buf[pos : pos + 4], "little")))
            pos += 4
        else:
            v, pos = _varint(buf, pos)
            out.append(_scalar(typ, 0, v))
    return out


ZERO = {"string": "", "bytes": "", "bool": False}  # every other scalar's zero is 0


# ---------------------------------------------------------------------------------------------------
# Types with their own JSON form (custom MarshalJSON in Go).
# ---------------------------------------------------------------------------------------------------


def _fields(buf: bytes) -> dict[int, object]:
    return {n: v for n, _w, v in wire_fields(buf)}


def _utc(seconds: int) -> datetime.datetime:
    return datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)


def _time(buf: bytes):
    """meta.v1.Time: RFC3339 in UTC, whole seconds (Go's Unmarshal drops nanos). Empty = zero time = null."""
    if not buf:
        return None
    t = _utc(_signed(_fields(buf).get(1, 0), 64))
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def _micro_time(buf: bytes):
    """meta.v1.MicroTime: RFC3339 with exactly 6 fractional digits (Go's RFC3339Micro), UTC."""
    if not buf:
        return None
    f = _fields(buf)
    t = _utc(_signed(f.get(1, 0), 64))
    micros = _signed(f.get(2, 0), 64) // 1000
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}.{micros:06d}Z"


def _raw_json(raw):
    """RawExtension / FieldsV1 hold JSON (or, in a protobuf body, possibly a nested k8s\\x00 object)."""
    if raw is None:
        return None
    if raw.startswith(MAGIC):
        return decode_body(raw)
    return json.loads(raw) if raw else None


def _special(fqn: str, buf: bytes):
    """The JSON of a type with its own Go MarshalJSON, or NotImplemented for an ordinary message."""
    if fqn == f"{META}.Time":
        return _time(buf)
    if fqn == f"{META}.MicroTime":
        return _micro_time(buf)
    if fqn == f"{META}.FieldsV1":
        return _raw_json(_fields(buf).get(1))
    if fqn == "resource.Quantity":  # its canonical string; the zero Quantity is "0"
        return _fields(buf).get(1, b"0").decode("utf-8") or "0"
    if fqn == "intstr.IntOrString":  # type=1 (0 Int, 1 String), intVal=2, strVal=3 → a JSON number or string
        f = _fields(buf)
        return f.get(3, b"").decode("utf-8") if f.get(1, 0) == 1 else _signed(f.get(2, 0), 64)
    return NotImplemented


# ---------------------------------------------------------------------------------------------------
# Messages → JSON, Go's encoding/json rules applied through each field's flags.
# ---------------------------------------------------------------------------------------------------


def _is_zero(value) -> bool:
    """omitzero: Go's zero value as it shows in JSON: null, "", 0, false, a struct of zero fields."""
    if isinstance(value, dict):
        return all(_is_zero(v) for v in value.values())
    if isinstance(value, list):
        return False  # a non-nil slice, even empty, is not Go's zero (nil is None)
    return value in (None, "", 0, False)


def message_to_json(registry: Registry, fqn: str, buf: bytes):
    special = _special(fqn, buf)
    if special is not NotImplemented:
        return special
    message = registry.messages[fqn]
    values: dict[int, object] = {}
    for number, wire, raw in wire_fields(buf):
        f = message.fields.get(number)
        if f is None:  # not silently dropped: the schema is the stand-in's own, a field it lacks would be lost
            raise ValueError(f"field {number} of {message.fqn} is not in the lab stand-in's protobuf schema (k8s_proto_schema.py)")
        if f.label == "map":
            entry = _fields(raw)
            vfield = Field("value", 2, "optional", f.type, type_fqn=f.type_fqn)
            key = _scalar(f.key_type, 0, entry.get(1, b"" if f.key_type == "string" else 0))
            values.setdefault(number, {})[key] = _value(registry, vfield, 2, entry.get(2))
        elif f.label == "repeated":
            if wire == 2 and f.type in SCALARS and f.type not in ("string", "bytes"):
                values.setdefault(number, []).extend(_unpack(f.type, raw))
            else:
                values.setdefault(number, []).append(_value(registry, f, wire, raw))
        else:
            values[number] = _value(registry, f, wire, raw)  # the last one wins, as in protobuf
    return _apply_json_rules(registry, message, values)


def _value(registry: Registry, f: Field, wire: int, raw):
    """One field value; raw is None for a map entry without its value (the zero of the type)."""
    if f.type in SCALARS:
        if raw is None:
            return ZERO.get(f.type, 0)
        return _scalar(f.type, wire, raw)
    return message_to_json(registry, f.type_fqn, raw if raw is not None else b"")


def _apply_json_rules(registry: Registry, message: Message, values: dict[int, object]) -> dict:
    """Which fields JSON shows: the wire carries Go's zero values, encoding/json drops them by the tags."""
    out: dict[str, object] = {}
    for number, f in sorted(message.fields.items()):
        flags = f.flags
        if number in values:
            value = values[number]
        elif "n" in flags or f.label in ("repeated", "map"):
            value = None  # a nil pointer, slice or map
        elif f.type in SCALARS:
            value = ZERO.get(f.type, 0)
        else:
            value = message_to_json(registry, f.type_fqn, b"")  # a non-pointer struct: its zero value
        if "o" in flags and _omitempty_drops(f, flags, value):
            continue
        if "z" in flags and _is_zero(value):
            continue
        if "i" in flags:  # an embedded struct: Go's JSON shows its fields as the parent's
            out.update(value)
            continue
        out[f.name] = value
    return out


def _omitempty_drops(f: Field, flags: str, value) -> bool:
    """Go's omitempty: false, 0, "", a nil pointer, an empty slice or map. Never a non-nil pointer or a struct."""
    if value is None:
        return True
    if f.label in ("repeated", "map") or f.type == "bytes":
        return len(value) == 0
    if "p" in flags or f.type not in SCALARS:
        return False
    return value in ("", 0, False)


# ---------------------------------------------------------------------------------------------------
# The envelope.
# ---------------------------------------------------------------------------------------------------

_registry: Registry | None = None


def registry() -> Registry:
    global _registry
    if _registry is None:
        _registry = Registry()
    return _registry


def message_for(reg: Registry, api_version: str, kind: str) -> str:
    """The message of apiVersion+kind; kinds the group does not define (DeleteOptions sent with apiVersion
    v1, ...) come from meta.k8s.io/v1, as in the Go scheme."""
    group, _, version = api_version.rpartition("/")
    candidates = ([f"{GROUPS[group]}.{version}.{kind}"] if group in GROUPS else []) + [f"{META}.{kind}"]
    for c in candidates:
        if c in reg.messages:
            return c
    raise ValueError(f"the lab stand-in decodes no protobuf body of kind {kind} ({api_version}); send it as JSON "
                     f"(kubectl apply -f), or see lab/standins/README.md for the kinds it reads")


def decode_body(raw: bytes) -> dict:
    """A application/vnd.kubernetes.protobuf body → the object as a JSON dict with apiVersion and kind."""
    if not raw.startswith(MAGIC):
        raise ValueError(f"protobuf body: does not start with the magic k8s\\x00 (starts {raw[:4]!r})")
    reg = registry()
    envelope = _fields(raw[len(MAGIC) :])
    type_meta = _fields(envelope.get(1, b""))
    api_version = type_meta.get(1, b"").decode("utf-8")
    kind = type_meta.get(2, b"").decode("utf-8")
    encoding = envelope.get(3, b"").decode("utf-8")
    if encoding:
        raise ValueError(f"protobuf body: contentEncoding {encoding!r} is not supported ({api_version} {kind})")
    obj = message_to_json(reg, message_for(reg, api_version, kind), envelope.get(2, b""))
    return {"kind": kind, "apiVersion": api_version, **obj}


def main(argv: list[str]) -> int:
    try:
        obj = decode_body(sys.stdin.buffer.read())
    except ValueError as err:
        print(f"k8s_protobuf: {err}", file=sys.stderr)
        return 1
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

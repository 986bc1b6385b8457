#!/usr/bin/env python3
"""Writes the seed corpus Fuzz/corpus/NAME/ from the test fixtures and a few hand-made files.

Run from the repository root (python3 Fuzz/make-corpus.py); standard library only. The result is
committed: rerun it only to change the seeds (it replaces the seeds it writes, and leaves any
other file, such as inputs merged in by scripts/fuzz.sh --update-corpus, alone).
"""
import base64
import json
import os
import shutil
import struct
import zlib

OUT = "Fuzz/corpus"
FIX = "Tests/Fixtures"


def put(harness, name, data):
    os.makedirs(f"{OUT}/{harness}", exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(f"{OUT}/{harness}/{name}", "wb") as f:
        f.write(data)


def copy(harness, name, path):
    os.makedirs(f"{OUT}/{harness}", exist_ok=True)
    shutil.copyfile(path, f"{OUT}/{harness}/{name}")


def safetensors(tensors, metadata=None):
    """tensors: (name, dtype, shape, raw bytes)."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


# safetensors: real fixtures (F32) and one file per family of dtypes.
for name in ["nn/linear_nobias", "ops/cast", "nn/channel_rmsnorm_image_bias"]:
    copy("safetensors", name.split("/")[1] + ".safetensors", f"{FIX}/{name}.safetensors")
put("safetensors", "floats.safetensors", safetensors([
    ("f32", "F32", [2, 2], struct.pack("<4f", 1, -2, 3.5, 0)),
    ("bf16", "BF16", [3], bytes([0x80, 0x3F, 0x00, 0xC0, 0x80, 0x7F])),
    ("f16", "F16", [2], bytes([0x00, 0x3C, 0x00, 0x7C])),
    ("f64", "F64", [1], struct.pack("<d", 2.5)),
    ("empty", "F32", [0, 4], b""),
], metadata={"format": "pt"}))
put("safetensors", "integers.safetensors", safetensors([
    ("bool", "BOOL", [3], bytes([0, 1, 2])),
    ("u8", "U8", [2], bytes([0, 255])),
    ("i8", "I8", [2], bytes([0x80, 0x7F])),
    ("i16", "I16", [1], struct.pack("<h", -3)),
    ("u16", "U16", [1], struct.pack("<H", 60000)),
    ("i32", "I32", [1], struct.pack("<i", -70000)),
    ("u32", "U32", [1], struct.pack("<I", 4000000000)),
    ("i64", "I64", [1], struct.pack("<q", -(1 << 40))),
    ("u64", "U64", [1], struct.pack("<Q", 1 << 63)),
]))
put("safetensors", "small-floats.safetensors", safetensors([
    ("e4m3", "F8_E4M3", [4], bytes([0x00, 0x38, 0x7F, 0xFF])),
    ("e5m2", "F8_E5M2", [2], bytes([0x3C, 0x7C])),
    ("e8m0", "F8_E8M0", [2], bytes([127, 255])),
    ("f4", "F4", [4], bytes([0x12, 0x34])),
    ("f6", "F6_E2M3", [4], bytes([1, 2, 3])),
    ("c64", "C64", [1], struct.pack("<2f", 1, 2)),
]))

# safetensors-index: the harness puts shard-1.safetensors ("a", "b") and shard-2.safetensors ("c")
# beside the index.
put("safetensors-index", "two-shards.json", json.dumps({
    "metadata": {"total_size": 24},
    "weight_map": {"a": "shard-1.safetensors", "b": "shard-1.safetensors", "c": "shard-2.safetensors"}}, indent=1))
put("safetensors-index", "one-shard.json", json.dumps({"weight_map": {"c": "shard-2.safetensors"}}))
put("safetensors-index", "missing-tensor.json", json.dumps({"metadata": None, "weight_map": {"a": "shard-2.safetensors"}}))
index = json.load(open(f"{FIX}/wan_pipeline/tiny-wan/vae/diffusion_pytorch_model.safetensors.index.json"))
put("safetensors-index", "tiny-wan-vae.json", json.dumps(index, indent=1)[:6000].rsplit(",", 1)[0] + "}}")

# pytorch: torch.save fixtures (protocol 2 and 4, views of one storage, ZIP64) and refused ones.
for name in ["dtypes.pt", "float8.pt", "views.pt", "protocol4.pt", "zip64.pt", "nested.pth", "hostile/os_system.pt",
             "hostile/past_storage.pt"]:
    copy("pytorch", name.replace("hostile/", "hostile-"), f"{FIX}/pytorch/{name}")

# json: real config files, decoded into the transformer and scheduler configs by the harness.
for name, path in [("transformer-a.json", "wan_dit/tiny_a/transformer/config.json"),
                   ("transformer-i2v.json", "wan_dit/tiny_i2v/transformer/config.json"),
                   ("scheduler-unipc.json", "wan_pipeline/tiny-wan/scheduler/scheduler_config.json"),
                   ("scheduler-euler.json", "sampling/configs/euler_shift3.json"),
                   ("vae.json", "wan_vae/a/config.json"),
                   ("text-encoder.json", "umt5/a/text_encoder/config.json"),
                   ("model-index.json", "wan_pipeline/tiny-wan/model_index.json")]:
    copy("json", name, f"{FIX}/{path}")
put("json", "scalars.json", '[null, true, false, 0, -0, 1.5e-3, -12345678901234567890, 1E400, "\\u00e9\\ud83d\\ude00\\n\\"", {}, [[]]]')

# tokenizer: tokenizer.json bytes, then NUL and a prompt.
prompt = "\0A cat &amp; a dog — walking on the grass,  4K\u3000\ufb01ne <extra_id_0> </s>"


def trimmed(path, pieces):
    """A real tokenizer.json with its vocabulary cut to the first `pieces` and no Precompiled map."""
    t = json.load(open(path))
    t["model"]["vocab"] = t["model"]["vocab"][:pieces]
    t["added_tokens"] = [a for a in t["added_tokens"] if a["id"] < pieces][:4]
    normalizers = t["normalizer"].get("normalizers", [t["normalizer"]])
    t["normalizer"] = {"type": "Sequence", "normalizers": [n for n in normalizers if n["type"] != "Precompiled"]}
    return json.dumps(t, ensure_ascii=False)


put("tokenizer", "spm1k-trimmed.json", trimmed(f"{FIX}/tokenizer/spm1k.tokenizer.json", 400) + prompt)


def charsmap(pairs):
    """A Darts double-array trie mapping single bytes to replacement strings, as precompiled_charsmap
    holds it: u32 trie size, the units, then the NUL-ended replacements."""
    units = [0] * 512
    units[0] = 1 << 10  # the root's children are at 1 ^ byte
    strings = b""
    for key, replacement in pairs:
        child = 1 ^ key
        leaf = child ^ 1
        units[child] = key | (1 << 8) | (1 << 10)  # label, has-leaf, offset 1 to the leaf
        units[leaf] = 0x80000000 | len(strings)
        strings += replacement.encode() + b"\0"
    trie = b"".join(struct.pack("<I", u) for u in units)
    return base64.b64encode(struct.pack("<I", len(trie)) + trie + strings).decode()


vocab = [["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0], ["\u2581", -2.0], ["a", -3.0], ["b", -3.0],
         ["\u2581a", -2.5], ["ab", -2.0], ["c", -4.0], ["\u2581cat", -1.0], ["<0x41>", -9.0]]
put("tokenizer", "precompiled.json", json.dumps({
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": 1, "content": "</s>", "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True}],
    "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": charsmap([(ord("A"), "a"), (ord("B"), "bb"), (0x09, " ")])},
        {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        {"type": "Strip", "strip_left": True, "strip_right": True}]},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"},
                      {"type": "Metaspace", "replacement": "\u2581", "add_prefix_space": True}]},
    "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                       "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
                       "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
    "decoder": None,
    "model": {"type": "Unigram", "unk_id": 2, "vocab": vocab, "byte_fallback": True}}) + "\0ABab\tcat  cab")
synthetic = json.load(open(f"{FIX}/tokenizer/synthetic.json"))
for name in ["ties", "unknowns", "byte-fallback"]:
    model = synthetic["models"][name]
    text = model["texts"][0] if model.get("texts") else ""
    put("tokenizer", f"synthetic-{name}.json", json.dumps(model["tokenizer"], ensure_ascii=False) + "\0" + text)
for name in ["replace-regex", "replace-string"]:
    pattern = {"Regex": "(a|b)+\\s*\\z"} if name == "replace-regex" else {"String": "a.b*"}
    put("tokenizer", f"{name}.json", json.dumps({
        "version": "1.0", "added_tokens": [], "pre_tokenizer": None,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": pattern, "content": "X"},
            {"type": "Prepend", "prepend": "\u2581"}]},
        "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["X", -1.0], ["\u2581", -1.0]]}}) + "\0ab a.bbb ")

# prompt: prompts from the tokenizer fixtures (HTML entities, whitespace, other scripts).
prompts = json.load(open(f"{FIX}/tokenizer/prompts.json"))["prompts"]
chosen = prompts[:3] + [p for p in prompts if "&" in p][:3] + [p for p in prompts if any(ord(c) > 0x2000 for c in p)][:3]
for i, text in enumerate(dict.fromkeys(chosen)):
    put("prompt", f"prompt-{i}.txt", text)
put("prompt", "entities.txt", "&amp;amp; &lt;b&gt; &#x1F600; &#0; &#xD800; &notin &notit; &AElig &#128;\t\u3000 \u00a0x")

# board: the examples and a zoom board with every field.
for name in os.listdir("examples"):
    if name.endswith(".json"):
        copy("board", name, f"examples/{name}")
put("board", "zoom.json", json.dumps({
    "size": "256x128", "fps": 8, "seed": 1, "model": "models/x", "sampler": "euler", "steps": 4,
    "guidance": 5, "shift": 3, "negative_prompt": "", "seconds": 12, "strength": 0.5,
    "zoom": {"factor": 2, "every": 4, "direction": "out"},
    "cards": [{"prompt": "a house", "seconds": 4, "image": "a.png", "factor": 3, "every": 2},
              {"prompt": "a door", "seconds": 4.5, "video": "b.mp4"}]}, indent=1))


# media: a small PNG, a GIF, a WebP header and names.
def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


raw = b"".join(b"\0" + bytes([x * 60, y * 60, 128] * 1)[:3] * 1 for y in range(2) for x in range(1))
put("media", "tiny.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 2, 8, 2, 0, 0, 0))
    + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b""))
put("media", "tiny.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
put("media", "tiny.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
put("media", "name-frame.txt", "out/frames/frame_00012.png")
put("media", "name-video.txt", "/tmp/clip.final.MP4")


# gguf: the every-type fixture and one small hand-made file per block size (a Q8_0 and a Q4_K row,
# a 5-D F32 tensor, string and array metadata).
def gguf_string(text):
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf(tensors, metadata):
    """tensors: (name, dims fastest first, type id, raw bytes); metadata: (key, type id, raw value)."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, kind, raw in metadata:
        out += gguf_string(key) + struct.pack("<I", kind) + raw
    offset, data = 0, b""
    for name, dims, kind, raw in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
        out += struct.pack("<IQ", kind, offset)
        data += raw + b"\0" * (-len(raw) % 32)
        offset = len(data)
    return out + b"\0" * (-len(out) % 32) + data


copy("gguf", "types.gguf", f"{FIX}/gguf/types.gguf")
put("gguf", "small.gguf", gguf(
    [("q8", [32, 1], 8, struct.pack("<e", 0.5) + bytes(range(32))),
     ("q4k", [256], 12, struct.pack("<ee", 0.25, 0.125) + bytes(range(12)) + bytes(range(128))),
     ("conv", [2, 1, 1, 1, 2], 0, struct.pack("<4f", 1, 2, 3, 4))],
    [("general.architecture", 8, gguf_string("wan")),
     ("comfy.gguf.orig_shape.q8", 9, struct.pack("<IQ", 5, 2) + struct.pack("<2i", 4, 8)),
     ("names", 9, struct.pack("<IQ", 8, 2) + gguf_string("a") + gguf_string("b"))]))

"""A tiny CLIP-shaped pair of ONNX encoders and a tokenizer, built here (no weights to fetch).

The image encoder averages the CLIP-normalised colour of an image; the text encoder averages the
embeddings of its words, where 'red', 'green' and 'blue' sit at the normalised pure colours. So
the text 'red' must find red images: the test knows the answer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, pre_tokenizers

from embedlab.methods.clip import CLIP_MEAN, CLIP_STD

VOCAB = {"[PAD]": 0, "[UNK]": 1, "red": 2, "green": 3, "blue": 4, "a": 5, "photo": 6}
DIM = 4


def _colour(rgb: tuple[float, float, float]) -> list[float]:
    return [*((np.array(rgb, np.float32) - CLIP_MEAN) / CLIP_STD).tolist(), 0.0]


def _save(graph: onnx.GraphProto, path: Path) -> None:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def build_tiny_clip(folder: Path, resolution: int = 16) -> dict[str, object]:
    """Write image.onnx, text.onnx and tokenizer.json; return the clip-onnx parameters."""
    folder.mkdir(parents=True, exist_ok=True)
    projection = numpy_helper.from_array(np.eye(3, DIM, dtype=np.float32), "projection")
    image = helper.make_graph(
        [
            helper.make_node("GlobalAveragePool", ["pixel_values"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "projection"], ["image_embeds"]),
        ],
        "tiny-clip-image",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["n", 3, "h", "w"])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["n", DIM])],
        [projection],
    )
    table = np.zeros((len(VOCAB), DIM), np.float32)
    table[VOCAB["red"]] = _colour((1, 0, 0))
    table[VOCAB["green"]] = _colour((0, 1, 0))
    table[VOCAB["blue"]] = _colour((0, 0, 1))
    table[VOCAB["a"], 3] = table[VOCAB["photo"], 3] = 1.0
    text = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["tokens"], axis=0),
            helper.make_node("ReduceSum", ["tokens", "axes"], ["text_embeds"], keepdims=0),
        ],
        "tiny-clip-text",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["n", "length"])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["n", DIM])],
        [
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([1], np.int64), "axes"),
        ],
    )
    _save(image, folder / "image.onnx")
    _save(text, folder / "text.onnx")
    tokenizer = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    tokenizer.save(str(folder / "tokenizer.json"))
    return {
        "image_model": str(folder / "image.onnx"),
        "text_model": str(folder / "text.onnx"),
        "tokenizer": str(folder / "tokenizer.json"),
        "resolution": resolution,
        "max_length": 8,
    }

"""Writing a trained network as ONNX, TorchScript or safetensors, each checked against PyTorch.

Every file takes the input described in `wrapper.INPUT_DESCRIPTION` with any batch size: it is traced
with one batch size and checked with another. ONNX uses torch's TorchScript-based exporter
(`dynamo=False`): it needs only `onnx`, while the default exporter would also need `onnxscript`.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from eas.build import build_model
from eas.export.source import TrainedNetwork
from eas.export.wrapper import (
    INPUT_DESCRIPTION,
    INPUT_NAME,
    OUTPUT_NAME,
    NormalizedClassifier,
    example_batch,
    inference_model,
)
from eas.spec import spec_from_json

FORMATS: Final = ("onnx", "torchscript", "safetensors")
ONNX_OPSET: Final = 17
_TRACE_BATCH: Final = 2
_CHECK_BATCH: Final = 5  # differs from the traced batch size, so the check also proves a dynamic batch axis


@dataclass(frozen=True)
class ExportResult:
    """Where the file went and the largest |logit difference| between it and PyTorch on a check batch."""

    path: Path
    format: str
    max_abs_difference: float
    checked_batch_size: int


def export_network(trained: TrainedNetwork, format: str, out: str | Path) -> ExportResult:
    """Write `trained` to `out` in `format` (one of `FORMATS`), read the file back, and compare its outputs
    with the PyTorch model's on a batch of random images."""
    if format not in FORMATS:
        raise ValueError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    path = Path(out).expanduser()
    if path.is_dir():
        raise ValueError(f"--out {path} is a directory; give a file name such as {path / ('model.' + format)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    model = inference_model(trained)
    check = example_batch(trained.spec.input_shape, _CHECK_BATCH, seed=1)
    with torch.no_grad():
        expected = model(check)
    if format == "onnx":
        _write_onnx(model, trained, path)
        actual = run_onnx(path, check)
    elif format == "torchscript":
        _write_torchscript(model, trained, path)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TorchScript is deprecated; see _write_torchscript
            actual = torch.jit.load(str(path), map_location="cpu")(check)
    else:
        _write_safetensors(model, trained, path)
        with torch.no_grad():
            actual = load_safetensors_export(path)(check)
    difference = float((actual - expected).abs().max())
    return ExportResult(path, format, difference, _CHECK_BATCH)


def _metadata(trained: TrainedNetwork) -> dict[str, str]:
    """What a user of the file needs besides the weights, as strings (the type every format's metadata takes)."""
    info = trained.info
    return {
        "spec": trained.spec.to_json(),
        "input": INPUT_DESCRIPTION,
        "mean": json.dumps(list(info.mean)),
        "std": json.dumps(list(info.std)),
        "dataset": info.name,
        "class_names": json.dumps(None if info.class_names is None else list(info.class_names)),
    }


def _write_onnx(model: NormalizedClassifier, trained: TrainedNetwork, path: Path) -> None:
    onnx = _import_or_explain("onnx")
    example = example_batch(trained.spec.input_shape, _TRACE_BATCH)
    with warnings.catch_warnings():
        # The TorchScript-based exporter warns that it is deprecated; it is chosen on purpose (module doc).
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model,
            (example,),
            str(path),
            dynamo=False,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
            opset_version=ONNX_OPSET,
        )
    graph = onnx.load(str(path))
    for key, value in _metadata(trained).items():
        graph.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(graph)
    onnx.save(graph, str(path))


def run_onnx(path: str | Path, images: torch.Tensor) -> torch.Tensor:
    """The logits of the ONNX file at `path` for `images`, computed by onnxruntime on the CPU."""
    onnxruntime = _import_or_explain("onnxruntime")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run([OUTPUT_NAME], {INPUT_NAME: images.numpy()})
    return torch.from_numpy(logits)


def _write_torchscript(model: NormalizedClassifier, trained: TrainedNetwork, path: Path) -> None:
    example = example_batch(trained.spec.input_shape, _TRACE_BATCH)
    extra_files = {f"{key}.txt": value for key, value in _metadata(trained).items()}
    # torch warns that TorchScript is deprecated in favour of torch.export, but TorchScript files are what
    # C++ (libtorch) and older runtimes load. Tracing, not scripting: forward walks a Python list of keys.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        traced = torch.jit.trace(model, example)
        torch.jit.save(traced, str(path), _extra_files=extra_files)


def _write_safetensors(model: NormalizedClassifier, trained: TrainedNetwork, path: Path) -> None:
    tensors = {key: value.detach().contiguous().clone() for key, value in model.state_dict().items()}
    save_file(tensors, str(path), metadata=_metadata(trained))


def load_safetensors_export(path: str | Path) -> NormalizedClassifier:
    """The eval-mode model of a file written by `export_network(..., "safetensors", ...)`: the spec comes
    from the file's metadata, the weights and the normalisation from its tensors."""
    with safe_open(str(path), framework="pt", device="cpu") as handle:
        metadata = handle.metadata() or {}
        if "spec" not in metadata:
            raise ValueError(f"{path} has no spec in its metadata; it was not written by `eas export`")
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 - safe_open has no __iter__
    spec = spec_from_json(metadata["spec"])
    prefix = "network."
    network_state = {key[len(prefix) :]: value for key, value in tensors.items() if key.startswith(prefix)}
    channels = spec.input_shape[0]
    mean, std = tensors["mean"].view(channels).tolist(), tensors["std"].view(channels).tolist()
    return NormalizedClassifier(build_model(spec, network_state), mean, std).eval()


def _import_or_explain(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError as error:
        raise ValueError(
            f"ONNX export needs the package {name!r}: pip install 'eas[export]' (or pip install onnx onnxruntime)"
        ) from error

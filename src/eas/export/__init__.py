"""Shipping a trained network: find it (run or checkpoint), wrap it with its input normalisation, write
it as ONNX / TorchScript / safetensors checked against PyTorch, or classify image files with it."""

from eas.export.formats import FORMATS, ExportResult, export_network, load_safetensors_export, run_onnx
from eas.export.predict import Prediction, predict, read_images
from eas.export.source import TrainedNetwork, load_trained
from eas.export.wrapper import INPUT_DESCRIPTION, NormalizedClassifier, inference_model

__all__ = [
    "FORMATS",
    "INPUT_DESCRIPTION",
    "ExportResult",
    "NormalizedClassifier",
    "Prediction",
    "TrainedNetwork",
    "export_network",
    "inference_model",
    "load_safetensors_export",
    "load_trained",
    "predict",
    "read_images",
    "run_onnx",
]

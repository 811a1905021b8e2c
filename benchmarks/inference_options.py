"""Characters per second of the model tagger's network under each CPU inference option.

    python benchmarks/inference_options.py [--model models/default] [--repeat 3]

Times the network only (the windows of the sample reports, already encoded), so
the options compare on equal terms: the tagger's plain-torch network (TaggingNet)
at several batch sizes and context overlaps, the same weights in HF transformers'
BertModel (TaggerNet, what training builds), torch.compile, TorchScript freezing,
dynamic int8 quantization of BertModel's Linear layers, and ONNX Runtime
fp32 / int8 when `onnx` and `onnxscript` are installed (they are not
dependencies of the project). Prints document characters per second: a window's
overlap with its neighbours is paid for but not counted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from extractor.ingest import read_document
from extractor.normalise import normalise
from extractor.tagger.encoding import windows
from extractor.tagger.model import DEFAULT_MODEL_DIR, ModelTagger, rule_features

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def batches(tagger: ModelTagger, texts: list[str], window: int, overlap: int, batch_size: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    out = []
    for text in texts:
        work = normalise(text)
        ids = tagger.vocab.encode(work.text)
        features = rule_features(work, tagger.rules, tagger.value_tags)
        spans = windows(len(ids), window, overlap)
        for start in range(0, len(spans), batch_size):
            chunk = spans[start : start + batch_size]
            width = max(e - s for s, e in chunk)
            input_ids = torch.zeros((len(chunk), width), dtype=torch.long)
            rule_ids = torch.zeros_like(input_ids)
            mask = torch.zeros_like(input_ids)
            for row, (s, e) in enumerate(chunk):
                input_ids[row, : e - s] = torch.tensor(ids[s:e])
                rule_ids[row, : e - s] = torch.tensor(features[s:e])
                mask[row, : e - s] = 1
            out.append((input_ids, rule_ids, mask))
    return out


def timed(run, data, chars: int, repeat: int) -> float:
    for item in data[:2]:
        run(*item)  # warm-up (compilation, allocation)
    started = time.perf_counter()
    for _ in range(repeat):
        for item in data:
            run(*item)
    return chars * repeat / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(DEFAULT_MODEL_DIR))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tagger = ModelTagger(args.model)
    net = tagger.net
    texts = [read_document(p).text for p in sorted(SAMPLES.glob("*.txt"))]
    chars = sum(len(normalise(t).text) for t in texts)
    window, overlap = tagger.window, tagger.overlap
    print(f"model {args.model}: window {window}, overlap {overlap}; {chars:,} characters of samples; {args.threads} threads")

    def eager(input_ids, rule_ids, mask):
        with torch.inference_mode():
            return net(input_ids, rule_ids, mask)

    from safetensors.torch import load_file

    from extractor.tagger.net import TaggerNet

    bert = TaggerNet(net.config).eval()
    bert.load_state_dict(load_file(str(Path(args.model) / "model.safetensors")))

    def bert_eager(input_ids, rule_ids, mask):
        with torch.inference_mode():
            return bert(input_ids, rule_ids, mask)

    rows: list[tuple[str, float]] = []
    for batch_size in (8, 16, 32):
        rows.append((f"torch eager, batch {batch_size}, overlap {overlap}", timed(eager, batches(tagger, texts, window, overlap, batch_size), chars, args.repeat)))
    rows.append(("HF BertModel eager, batch 16", timed(bert_eager, batches(tagger, texts, window, overlap, 16), chars, args.repeat)))
    for smaller in sorted({overlap // 2, 8} - {overlap}):
        rows.append((f"torch eager, batch 16, overlap {smaller} (less context at seams)", timed(eager, batches(tagger, texts, window, smaller, 16), chars, args.repeat)))
    data = batches(tagger, texts, window, overlap, 16)
    try:
        compiled = torch.compile(net, dynamic=True)

        def run_compiled(input_ids, rule_ids, mask):
            with torch.inference_mode():
                return compiled(input_ids, rule_ids, mask)

        rows.append(("torch.compile, batch 16", timed(run_compiled, data, chars, args.repeat)))
    except Exception as exc:  # noqa: BLE001 - report and go on: an option that fails is a finding
        rows.append((f"torch.compile: failed ({type(exc).__name__})", 0.0))
    try:
        with torch.inference_mode():
            frozen = torch.jit.freeze(torch.jit.trace(net.eval(), data[0], strict=False))

        def run_frozen(input_ids, rule_ids, mask):
            with torch.inference_mode():
                return frozen(input_ids, rule_ids, mask)

        rows.append(("TorchScript trace + freeze, batch 16", timed(run_frozen, data, chars, args.repeat)))
    except Exception as exc:  # noqa: BLE001
        rows.append((f"TorchScript trace + freeze: failed ({type(exc).__name__})", 0.0))
    quantized = torch.ao.quantization.quantize_dynamic(bert, {torch.nn.Linear}, dtype=torch.qint8)

    def run_quantized(input_ids, rule_ids, mask):
        with torch.inference_mode():
            return quantized(input_ids, rule_ids, mask)

    rows.append(("torch dynamic int8 (BertModel), batch 16", timed(run_quantized, data, chars, args.repeat)))
    rows += onnx_rows(bert, data, chars, args.repeat, args.threads)  # exported from BertModel, the library graph
    base = rows[1][1]
    for name, rate in rows:
        print(f"{name:<58} {rate:>10,.0f} chars/s" + (f"  x{rate / base:.2f}" if rate else ""))


def onnx_rows(net, data, chars: int, repeat: int, threads: int) -> list[tuple[str, float]]:
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        return [("onnxruntime: not installed", 0.0)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "net.onnx"
        try:
            dynamic = {name: {0: "batch", 1: "length"} for name in ("input_ids", "rule_ids", "attention_mask")}
            torch.onnx.export(net, data[0], str(path), input_names=list(dynamic), output_names=["value_logits", "claim_logits"], dynamic_axes=dynamic, dynamo=False)
        except Exception as exc:  # noqa: BLE001
            return [(f"ONNX export failed ({type(exc).__name__}: install onnx onnxscript)", 0.0)]
        quantize_dynamic(str(path), str(path.with_suffix(".int8.onnx")), weight_type=QuantType.QInt8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        rows = []
        for name, model_path in (("ONNX Runtime fp32, batch 16", path), ("ONNX Runtime dynamic int8, batch 16", path.with_suffix(".int8.onnx"))):
            session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])

            def run(input_ids, rule_ids, mask, session=session):
                return session.run(None, {"input_ids": input_ids.numpy(), "rule_ids": rule_ids.numpy(), "attention_mask": mask.numpy()})

            rows.append((name, timed(run, data, chars, repeat)))
        return rows


if __name__ == "__main__":
    main()

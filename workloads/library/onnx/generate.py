#!/usr/bin/env python3
"""Writes the bundled ONNX graphs (shapes only, no weights) with Debian's python3-onnx.

Weights are graph inputs with their shapes, so the files stay a few kilobytes;
`einsim import onnx` needs only shapes. Run from anywhere:

    python3 workloads/library/onnx/generate.py [OUT_DIR]

Models: resnet18, resnet50, mobilenet_v2 (batch normalization folded into the
convolutions' biases, as inference graphs are), bert_base (12 encoder layers,
symbolic batch and seq), llama_block (one Llama-2-7B decoder layer, RMSNorm,
SwiGLU, symbolic batch and seq; rotary embeddings left out), and mlp (a small
test model).
"""
import os
import sys

import onnx
from onnx import TensorProto, helper


class Graph:
    def __init__(self, name):
        self.name, self.nodes, self.inputs, self.inits, self.n = name, [], [], [], 0

    def fresh(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def input(self, name, shape):
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        return name

    def weight(self, base, shape):
        return self.input(self.fresh(base), shape)

    def ints(self, values):
        name = self.fresh("shape")
        self.inits.append(helper.make_tensor(name, TensorProto.INT64, [len(values)], values))
        return name

    def scalar(self, value):
        name = self.fresh("const")
        self.inits.append(helper.make_tensor(name, TensorProto.FLOAT, [], [value]))
        return name

    def op(self, op, inputs, name=None, **attrs):
        name = name or self.fresh(op.lower())
        out = name + "_out"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def save(self, path, outputs):
        outs = [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs]
        g = helper.make_graph(self.nodes, self.name, self.inputs, outs, initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="einsim generate.py")
        onnx.save(m, path)


def conv(g, x, cin, cout, k, stride=1, group=1, relu=True, name=None):
    w = g.weight("w", [cout, cin // group, k, k])
    b = g.weight("b", [cout])
    y = g.op("Conv", [x, w, b], name=name, kernel_shape=[k, k], strides=[stride, stride],
             pads=[k // 2] * 4, group=group)
    return g.op("Relu", [y]) if relu else y


def resnet(depth):
    g = Graph(f"resnet{depth}")
    x = g.input("image", [1, 3, 224, 224])
    x = conv(g, x, 3, 64, 7, 2, name="conv1")
    x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    blocks = {18: [2, 2, 2, 2], 50: [3, 4, 6, 3]}[depth]
    cin = 64
    for stage, n in enumerate(blocks):
        width = 64 * 2 ** stage
        for b in range(n):
            stride = 2 if b == 0 and stage > 0 else 1
            name = f"layer{stage + 1}_{b}"
            if depth == 18:
                cout = width
                y = conv(g, x, cin, width, 3, stride, name=name + "_conv1")
                y = conv(g, y, width, width, 3, 1, relu=False, name=name + "_conv2")
            else:
                cout = width * 4
                y = conv(g, x, cin, width, 1, 1, name=name + "_conv1")
                y = conv(g, y, width, width, 3, stride, name=name + "_conv2")
                y = conv(g, y, width, cout, 1, 1, relu=False, name=name + "_conv3")
            short = x if stride == 1 and cin == cout else conv(g, x, cin, cout, 1, stride, relu=False,
                                                               name=name + "_downsample")
            x = g.op("Relu", [g.op("Add", [y, short])])
            cin = cout
    x = g.op("GlobalAveragePool", [x])
    x = g.op("Flatten", [x], axis=1)
    y = g.op("Gemm", [x, g.weight("fc_w", [1000, cin]), g.weight("fc_b", [1000])], name="fc", transB=1)
    return g, [y]


def mobilenet_v2():
    g = Graph("mobilenet_v2")
    x = g.input("image", [1, 3, 224, 224])
    x = conv(g, x, 3, 32, 3, 2, name="stem")
    cin = 32
    # (expansion t, channels c, repeats n, stride s) of Sandler et al., CVPR 2018, Table 2.
    for i, (t, c, n, s) in enumerate([(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                                      (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]):
        for j in range(n):
            stride = s if j == 0 else 1
            name = f"block{i}_{j}"
            hidden = cin * t
            y = conv(g, x, cin, hidden, 1, name=name + "_expand") if t != 1 else x
            y = conv(g, y, hidden, hidden, 3, stride, group=hidden, name=name + "_dw")
            y = conv(g, y, hidden, c, 1, relu=False, name=name + "_project")
            x = g.op("Add", [x, y]) if stride == 1 and cin == c else y
            cin = c
    x = conv(g, x, cin, 1280, 1, name="head")
    x = g.op("Flatten", [g.op("GlobalAveragePool", [x])], axis=1)
    y = g.op("Gemm", [x, g.weight("fc_w", [1000, 1280]), g.weight("fc_b", [1000])], name="fc", transB=1)
    return g, [y]


def attention(g, x, d, heads, name):
    """Multi-head self-attention on x [batch, seq, d]; softmax over the keys."""
    e = d // heads

    def proj(p):
        y = g.op("MatMul", [x, g.weight(p + "_w", [d, d])], name=f"{name}_{p}")
        y = g.op("Reshape", [y, g.ints([0, 0, heads, e])])
        return y

    q = g.op("Transpose", [proj("q")], perm=[0, 2, 1, 3])          # [b, h, s, e]
    k = g.op("Transpose", [proj("k")], perm=[0, 2, 3, 1])          # [b, h, e, s]
    v = g.op("Transpose", [proj("v")], perm=[0, 2, 1, 3])          # [b, h, s, e]
    s = g.op("MatMul", [q, k], name=f"{name}_qk")
    s = g.op("Mul", [s, g.scalar(e ** -0.5)], name=f"{name}_scale")
    p = g.op("Softmax", [s], name=f"{name}_softmax", axis=-1)
    a = g.op("MatMul", [p, v], name=f"{name}_av")
    a = g.op("Reshape", [g.op("Transpose", [a], perm=[0, 2, 1, 3]), g.ints([0, 0, d])])
    return g.op("MatMul", [a, g.weight("o_w", [d, d])], name=f"{name}_out")


def bert_base(layers=12, d=768, heads=12, ffn=3072):
    g = Graph("bert_base")
    x = g.input("hidden", ["batch", "seq", d])
    for i in range(layers):
        n = f"layer{i}"
        a = attention(g, x, d, heads, n + "_attn")
        x = g.op("LayerNormalization", [g.op("Add", [x, a]), g.weight("ln_g", [d]), g.weight("ln_b", [d])],
                 name=n + "_ln1", axis=-1)
        h = g.op("Add", [g.op("MatMul", [x, g.weight("ffn1_w", [d, ffn])], name=n + "_ffn1"),
                         g.weight("ffn1_b", [ffn])])
        h = g.op("Gelu", [h], name=n + "_gelu")  # opset 20 Gelu; einsim reads it whatever the opset
        h = g.op("MatMul", [h, g.weight("ffn2_w", [ffn, d])], name=n + "_ffn2")
        x = g.op("LayerNormalization", [g.op("Add", [x, h]), g.weight("ln_g", [d]), g.weight("ln_b", [d])],
                 name=n + "_ln2", axis=-1)
    return g, [x]


def rms_norm(g, x, d, name):
    ms = g.op("ReduceMean", [g.op("Mul", [x, x])], name=name + "_ms", axes=[-1], keepdims=1)
    r = g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [ms, g.scalar(1e-6)])])])
    return g.op("Mul", [g.op("Mul", [x, r]), g.weight(name + "_g", [d])], name=name)


def llama_block(d=4096, heads=32, ffn=11008):
    g = Graph("llama_block")
    x = g.input("hidden", ["batch", "seq", d])
    a = attention(g, rms_norm(g, x, d, "attn_norm"), d, heads, "attn")
    x = g.op("Add", [x, a])
    h = rms_norm(g, x, d, "ffn_norm")
    gate = g.op("MatMul", [h, g.weight("gate_w", [d, ffn])], name="ffn_gate")
    up = g.op("MatMul", [h, g.weight("up_w", [d, ffn])], name="ffn_up")
    silu = g.op("Mul", [gate, g.op("Sigmoid", [gate])], name="ffn_silu")
    down = g.op("MatMul", [g.op("Mul", [silu, up]), g.weight("down_w", [ffn, d])], name="ffn_down")
    return g, [g.op("Add", [x, down])]


def mlp():
    g = Graph("mlp")
    x = g.input("x", ["batch", 64])
    h = g.op("Relu", [g.op("Gemm", [x, g.weight("w1", [64, 128]), g.weight("b1", [128])], name="fc1")])
    y = g.op("Gemm", [h, g.weight("w2", [128, 10]), g.weight("b2", [10])], name="fc2")
    return g, [g.op("Softmax", [y], name="softmax", axis=-1)]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    models = {"resnet18": lambda: resnet(18), "resnet50": lambda: resnet(50), "mobilenet_v2": mobilenet_v2,
              "bert_base": bert_base, "llama_block": llama_block, "mlp": mlp}
    for name, build in models.items():
        g, outputs = build()
        g.save(os.path.join(out, name + ".onnx"), outputs)
        print("wrote", os.path.join(out, name + ".onnx"))


if __name__ == "__main__":
    main()

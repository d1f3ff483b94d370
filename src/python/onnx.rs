//! ONNX files: what onnxruntime runs, in double precision.
//!
//! The graph is two standard operators, `variable = Add(MatMul(X, coef), intercept)`, with `X`
//! of shape `[N, n_features]` and `variable` of shape `[N, n_targets]`, both float64 and named
//! as skl2onnx names them; a model with the log link ends with `Exp`. We do not use `ai.onnx.ml.LinearRegressor`: it computes in float32.
//! Opset 17 and IR version 8 (ONNX 1.12, 2022) are old enough for any current onnxruntime.
//!
//! The messages below are the subset of `onnx/onnx.proto` we write, with its field numbers,
//! derived with prost: no `protoc`, no build script. Fields we never set are left out; a decoder
//! skips them. `metadata_props` holds [`Portable::metadata`]: `feature_names` is a JSON array.

use std::collections::BTreeMap;

use prost::Message;

use super::export::{ExportProblem as Error, Portable, Result, from_le_bytes, to_le_bytes};
use crate::article::linear::Link;

/// The default domain's operator set we use.
const OPSET: i64 = 17;
/// The IR version that goes with [`OPSET`].
const IR_VERSION: i64 = 8;
/// The input's name, as skl2onnx names it.
const INPUT: &str = "X";
/// The output's name, as skl2onnx names it.
const OUTPUT: &str = "variable";

const FORMAT: &str = "onnx";
/// `TensorProto.DataType.DOUBLE`.
const DOUBLE: i32 = 11;
const COEF: &str = "coef";
const INTERCEPT: &str = "intercept";
const PRODUCT: &str = "multiplied";
/// The sum before the link, when there is one.
const SUM: &str = "linear";
const PRODUCER_NAME: &str = "model-persistence";
const DOC: &str = "Linear regression: variable = X @ coef + intercept, in float64.";
const DOC_EXP: &str =
    "Linear model with a log link: variable = exp(X @ coef + intercept), in float64.";

/// The ONNX model of `model`, already validated by `export::encode`, as bytes.
pub(crate) fn encode(model: &Portable) -> Result<Vec<u8>> {
    Ok(model_proto(model)?.encode_to_vec())
}

/// The model in an ONNX file written by [`encode`]: the numbers and metadata are read, then
/// the file must hold the very graph that [`encode`] writes for them; anything else is refused,
/// naming the part that differs.
pub(crate) fn decode(bytes: &[u8]) -> Result<Portable> {
    let proto = ModelProto::decode(bytes)?;
    let graph = proto
        .graph
        .as_ref()
        .ok_or_else(|| Error::missing(FORMAT, "the graph"))?;
    // The coefficients are stored a feature a row, a target a column.
    let by_feature = initializer(graph, 0, COEF)?;
    let intercept = initializer(graph, 1, INTERCEPT)?;
    if intercept.is_empty() || by_feature.len() % intercept.len() != 0 {
        return Err(Error::missing(
            FORMAT,
            "one value of intercept a column of coef",
        ));
    }
    let (k, n) = (intercept.len(), by_feature.len() / intercept.len());
    let coef = (0..n * k)
        .map(|i| by_feature[(i % n) * k + i / n])
        .collect();
    let mut model = Portable::new(coef, 0.0);
    model.intercept = intercept;
    let metadata: BTreeMap<_, _> = proto
        .metadata_props
        .iter()
        .map(|e| (e.key.clone(), e.value.clone()))
        .collect();
    model.apply_metadata(FORMAT, &metadata)?;

    let ours = model_proto(&model)?;
    let our_graph = ours.graph.unwrap_or_default();
    same("the IR version", ours.ir_version, proto.ir_version)?;
    same("the opsets", &ours.opset_import, &proto.opset_import)?;
    same("the nodes", &our_graph.node, &graph.node)?;
    same("the inputs", &our_graph.input, &graph.input)?;
    same("the outputs", &our_graph.output, &graph.output)?;
    let dims = |g: &GraphProto| {
        g.initializer
            .iter()
            .map(|t| t.dims.clone())
            .collect::<Vec<_>>()
    };
    same("the initializers' shapes", dims(&our_graph), dims(graph))?;
    Ok(model)
}

/// The message [`encode`] encodes.
fn model_proto(model: &Portable) -> Result<ModelProto> {
    let (n, k) = (model.n_features() as i64, model.targets() as i64);
    let mut nodes = vec![node("MatMul", [INPUT, COEF], PRODUCT)];
    if model.link == Link::Exp {
        nodes.push(node("Add", [PRODUCT, INTERCEPT], SUM));
        nodes.push(node("Exp", [SUM], OUTPUT));
    } else {
        nodes.push(node("Add", [PRODUCT, INTERCEPT], OUTPUT));
    }
    let graph = GraphProto {
        node: nodes,
        name: "linear_regression".to_owned(),
        initializer: vec![
            tensor(COEF, vec![n, k], &model.transposed()),
            tensor(INTERCEPT, vec![k], &model.intercept),
        ],
        input: vec![value(INPUT, [Dim::Param("N".to_owned()), Dim::Value(n)])],
        output: vec![value(OUTPUT, [Dim::Param("N".to_owned()), Dim::Value(k)])],
    };
    let proto = ModelProto {
        ir_version: IR_VERSION,
        producer_name: PRODUCER_NAME.to_owned(),
        producer_version: env!("CARGO_PKG_VERSION").to_owned(),
        doc_string: if model.link == Link::Exp {
            DOC_EXP
        } else {
            DOC
        }
        .to_owned(),
        graph: Some(graph),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        metadata_props: model
            .metadata()?
            .into_iter()
            .map(|(key, value)| StringStringEntryProto { key, value })
            .collect(),
    };
    Ok(proto)
}

/// Refuses `found` unless it equals `expected`.
fn same<T: PartialEq + std::fmt::Debug>(what: &str, expected: T, found: T) -> Result<()> {
    if expected != found {
        return Err(Error::unexpected(
            FORMAT,
            what,
            format!("{expected:?}"),
            format!("{found:?}"),
        ));
    }
    Ok(())
}

/// The float64 numbers of the initializer at `index`, which must be called `name`.
fn initializer(graph: &GraphProto, index: usize, name: &str) -> Result<Vec<f64>> {
    let tensor = graph
        .initializer
        .get(index)
        .ok_or_else(|| Error::missing(FORMAT, format!("the initializer {name}")))?;
    same("an initializer's name", name, tensor.name.as_str())?;
    same("the data type of an initializer", DOUBLE, tensor.data_type)?;
    from_le_bytes(&tensor.raw_data).ok_or_else(|| {
        Error::unexpected(
            FORMAT,
            format!("raw_data of {name}"),
            "a multiple of 8 bytes",
            tensor.raw_data.len(),
        )
    })
}

fn node<const I: usize>(op_type: &str, inputs: [&str; I], output: &str) -> NodeProto {
    NodeProto {
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.to_owned()],
        name: op_type.to_lowercase(),
        op_type: op_type.to_owned(),
        domain: String::new(),
    }
}

fn tensor(name: &str, dims: Vec<i64>, values: &[f64]) -> TensorProto {
    TensorProto {
        dims,
        data_type: DOUBLE,
        name: name.to_owned(),
        raw_data: to_le_bytes(values),
    }
}

fn value<const D: usize>(name: &str, dims: [Dim; D]) -> ValueInfoProto {
    let shape = TensorShapeProto {
        dim: dims
            .into_iter()
            .map(|d| Dimension { value: Some(d) })
            .collect(),
    };
    ValueInfoProto {
        name: name.to_owned(),
        r#type: Some(TypeProto {
            value: Some(TypeValue::TensorType(TensorTypeProto {
                elem_type: DOUBLE,
                shape: Some(shape),
            })),
        }),
    }
}

/// `ModelProto`: the file.
#[derive(Clone, PartialEq, Message)]
struct ModelProto {
    #[prost(int64, tag = "1")]
    ir_version: i64,
    #[prost(string, tag = "2")]
    producer_name: String,
    #[prost(string, tag = "3")]
    producer_version: String,
    #[prost(string, tag = "6")]
    doc_string: String,
    #[prost(message, optional, tag = "7")]
    graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "8")]
    opset_import: Vec<OperatorSetIdProto>,
    #[prost(message, repeated, tag = "14")]
    metadata_props: Vec<StringStringEntryProto>,
}

/// `OperatorSetIdProto`: an operator set and its version; the default domain is `""`.
#[derive(Clone, PartialEq, Message)]
struct OperatorSetIdProto {
    #[prost(string, tag = "1")]
    domain: String,
    #[prost(int64, tag = "2")]
    version: i64,
}

/// `StringStringEntryProto`: one metadata entry.
#[derive(Clone, PartialEq, Message)]
struct StringStringEntryProto {
    #[prost(string, tag = "1")]
    key: String,
    #[prost(string, tag = "2")]
    value: String,
}

/// `GraphProto`: the computation.
#[derive(Clone, PartialEq, Message)]
struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    node: Vec<NodeProto>,
    #[prost(string, tag = "2")]
    name: String,
    #[prost(message, repeated, tag = "5")]
    initializer: Vec<TensorProto>,
    #[prost(message, repeated, tag = "11")]
    input: Vec<ValueInfoProto>,
    #[prost(message, repeated, tag = "12")]
    output: Vec<ValueInfoProto>,
}

/// `NodeProto`: one operator call.
#[derive(Clone, PartialEq, Message)]
struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    output: Vec<String>,
    #[prost(string, tag = "3")]
    name: String,
    #[prost(string, tag = "4")]
    op_type: String,
    #[prost(string, tag = "7")]
    domain: String,
}

/// `TensorProto`: a constant, its numbers little-endian in `raw_data`.
#[derive(Clone, PartialEq, Message)]
struct TensorProto {
    /// Not packed: `onnx.proto` is proto2, where repeated numbers are unpacked unless marked.
    #[prost(int64, repeated, packed = "false", tag = "1")]
    dims: Vec<i64>,
    #[prost(int32, tag = "2")]
    data_type: i32,
    #[prost(string, tag = "8")]
    name: String,
    #[prost(bytes = "vec", tag = "9")]
    raw_data: Vec<u8>,
}

/// `ValueInfoProto`: a graph input or output.
#[derive(Clone, PartialEq, Message)]
struct ValueInfoProto {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(message, optional, tag = "2")]
    r#type: Option<TypeProto>,
}

/// `TypeProto`, of which we use the tensor case of its `value` oneof.
#[derive(Clone, PartialEq, Message)]
struct TypeProto {
    #[prost(oneof = "TypeValue", tags = "1")]
    value: Option<TypeValue>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum TypeValue {
    #[prost(message, tag = "1")]
    TensorType(TensorTypeProto),
}

/// `TypeProto.Tensor`: an element type and a shape.
#[derive(Clone, PartialEq, Message)]
struct TensorTypeProto {
    #[prost(int32, tag = "1")]
    elem_type: i32,
    #[prost(message, optional, tag = "2")]
    shape: Option<TensorShapeProto>,
}

/// `TensorShapeProto`.
#[derive(Clone, PartialEq, Message)]
struct TensorShapeProto {
    #[prost(message, repeated, tag = "1")]
    dim: Vec<Dimension>,
}

/// `TensorShapeProto.Dimension`: a size, or a name for a size known at run time.
#[derive(Clone, PartialEq, Message)]
struct Dimension {
    #[prost(oneof = "Dim", tags = "1, 2")]
    value: Option<Dim>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum Dim {
    #[prost(int64, tag = "1")]
    Value(i64),
    #[prost(string, tag = "2")]
    Param(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_another_graph() {
        let mut proto =
            ModelProto::decode(&encode(&Portable::new(vec![1.0], 0.0)).unwrap()[..]).unwrap();
        if let Some(graph) = proto.graph.as_mut() {
            graph.node[0].op_type = "Gemm".to_owned();
        }
        let err = decode(&proto.encode_to_vec()).unwrap_err().to_string();
        assert!(err.starts_with("onnx: expected [NodeProto {"), "{err}");
        assert!(
            err.contains("for the nodes, but found") && err.contains("\"Gemm\""),
            "{err}"
        );
        assert!(matches!(decode(b"not a protobuf"), Err(Error::Protobuf(_))));
    }
}

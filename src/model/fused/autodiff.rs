//! The fused block under burn's automatic differentiation: one node in the graph whose backward
//! step is [`kernel::backward`], normalising with the batch's statistics as training does.

use super::kernel::{self, Dims, Params, Statistics};
use super::{read, BlockTensors, FusedBlock};
use crate::model::norm::update_running;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::Autodiff;
use burn::nn::BatchNorm;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData, TensorPrimitive};
use std::sync::Arc;

/// What the backward step needs from the forward pass.
struct Tape {
    dims: Dims,
    weight: Vec<f32>,
    gamma: Vec<f32>,
    saved: kernel::Saved,
}

impl std::fmt::Debug for Tape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tape").field("dims", &self.dims).finish()
    }
}

#[derive(Debug)]
struct BlockBackward;

impl<B: Backend> Backward<B, 5> for BlockBackward {
    type State = (Arc<Tape>, B::Device);

    fn backward(
        self,
        ops: Ops<Self::State, 5>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let (tape, device) = ops.state;
        let dims = tape.dims;
        let d_out = read::<B>(grads.consume::<B>(&ops.node));
        let [x, weight, bias, gamma, beta] = ops.parents;
        let computed = kernel::backward(
            dims,
            &tape.weight,
            &tape.gamma,
            &tape.saved,
            &d_out,
            x.is_some(),
        );
        let primitive = |values: Vec<f32>, shape: Vec<usize>| {
            B::float_from_data(TensorData::new(values, shape), &device)
        };
        if let (Some(node), Some(d_x)) = (x, computed.x) {
            let shape = vec![dims.batch, dims.len, dims.channels];
            grads.register::<B>(node.id, primitive(d_x, shape));
        }
        if let Some(node) = weight {
            let shape = vec![dims.width(), dims.filters];
            grads.register::<B>(node.id, primitive(computed.weight, shape));
        }
        for (node, values) in [
            (bias, computed.bias),
            (gamma, computed.gamma),
            (beta, computed.beta),
        ] {
            if let Some(node) = node {
                grads.register::<B>(node.id, primitive(values, vec![dims.filters]));
            }
        }
    }
}

impl<B: FusedBlock, C: CheckpointStrategy> FusedBlock for Autodiff<B, C> {
    fn runs_fused(device: &Self::Device) -> bool {
        B::runs_fused(device)
    }

    fn fused_block(block: BlockTensors<Self>, norm: &BatchNorm<Self>) -> Tensor<Self, 3> {
        let dims = block.dims();
        let device = block.x.device();
        let epsilon = norm.epsilon as f32;
        let x = block.x.into_primitive().tensor();
        let weight = block.weight.into_primitive().tensor();
        let [bias, gamma, beta] =
            [block.bias, norm.gamma.val(), norm.beta.val()].map(|t| t.into_primitive().tensor());
        let weight_values = read::<B>(weight.primitive.clone());
        let gamma_values = read::<B>(gamma.primitive.clone());
        let (bias_values, beta_values) = (
            read::<B>(bias.primitive.clone()),
            read::<B>(beta.primitive.clone()),
        );
        let params = Params {
            weight: &weight_values,
            bias: &bias_values,
            gamma: &gamma_values,
            beta: &beta_values,
            epsilon,
        };
        let result = kernel::forward(
            dims,
            &params,
            &read::<B>(x.primitive.clone()),
            Statistics::Batch,
        );
        let out = B::float_from_data(
            TensorData::new(result.out, [dims.batch, dims.pooled(), dims.filters]),
            &device,
        );
        let nodes = [x, weight, bias, gamma, beta].map(|t| t.node.clone());
        let out = match BlockBackward.prepare::<C>(nodes).compute_bound().stateful() {
            OpsKind::Tracked(prep) => {
                let tape = Tape {
                    dims,
                    weight: weight_values,
                    gamma: gamma_values,
                    saved: result.saved.expect("kept after batch statistics"),
                };
                prep.finish((Arc::new(tape), device.clone()), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(out),
        };
        let statistic = |values: Vec<f32>| {
            Tensor::<Self, 1>::from_data(TensorData::new(values, [dims.filters]), &device)
        };
        update_running(norm, statistic(result.mean), statistic(result.var));
        Tensor::from_primitive(TensorPrimitive::Float(out))
    }
}

// The spec's name tables (private to pmt_model): the enums of subject.hpp and their Keras names,
// shared by the reader (spec_reader.cpp) and to_string (subject.cpp); where a message points.
#pragma once

#include <cstddef>
#include <string>

#include <fmt/format.h>

#include "pmt/io/names.hpp"
#include "pmt/model/subject.hpp"

namespace pmt::model {

inline constexpr io::NameTable<LayerType, 40> kLayerTypes{
    {{LayerType::kConv2d, "conv2d"},
     {LayerType::kConv1d, "conv1d"},
     {LayerType::kMaxPool1d, "max_pool1d"},
     {LayerType::kAveragePool1d, "average_pool1d"},
     {LayerType::kGlobalAveragePool1d, "global_average_pool1d"},
     {LayerType::kGlobalMaxPool1d, "global_max_pool1d"},
     {LayerType::kMaxPool2d, "max_pool2d"},
     {LayerType::kAveragePool2d, "average_pool2d"},
     {LayerType::kGlobalAveragePool2d, "global_average_pool2d"},
     {LayerType::kGlobalMaxPool2d, "global_max_pool2d"},
     {LayerType::kDepthwiseConv2d, "depthwise_conv2d"},
     {LayerType::kSeparableConv2d, "separable_conv2d"},
     {LayerType::kConv2dTranspose, "conv2d_transpose"},
     {LayerType::kBatchNormalization, "batch_normalization"},
     {LayerType::kLayerNormalization, "layer_normalization"},
     {LayerType::kLstm, "lstm"},
     {LayerType::kGru, "gru"},
     {LayerType::kSimpleRnn, "simple_rnn"},
     {LayerType::kDropout, "dropout"},
     {LayerType::kFlatten, "flatten"},
     {LayerType::kDense, "dense"},
     {LayerType::kActivation, "activation"},
     {LayerType::kEmbedding, "embedding"},
     {LayerType::kConcatenate, "concatenate"},
     {LayerType::kAdd, "add"},
     {LayerType::kSubtract, "subtract"},
     {LayerType::kMultiply, "multiply"},
     {LayerType::kAverage, "average"},
     {LayerType::kMaximum, "maximum"},
     {LayerType::kMinimum, "minimum"},
     {LayerType::kDot, "dot"},
     {LayerType::kRescaling, "rescaling"},
     {LayerType::kZeroPadding2d, "zero_padding2d"},
     {LayerType::kCropping2d, "cropping2d"},
     {LayerType::kUpSampling2d, "up_sampling2d"},
     {LayerType::kResizing, "resizing"},
     {LayerType::kZeroPadding1d, "zero_padding1d"},
     {LayerType::kCropping1d, "cropping1d"},
     {LayerType::kReshape, "reshape"},
     {LayerType::kPermute, "permute"}}};
inline constexpr io::NameTable<Activation, 15> kActivations{
    {{Activation::kElu, "elu"},
     {Activation::kSoftmax, "softmax"},
     {Activation::kSelu, "selu"},
     {Activation::kSoftplus, "softplus"},
     {Activation::kSoftsign, "softsign"},
     {Activation::kRelu, "relu"},
     {Activation::kTanh, "tanh"},
     {Activation::kSigmoid, "sigmoid"},
     {Activation::kHardSigmoid, "hard_sigmoid"},
     {Activation::kExponential, "exponential"},
     {Activation::kLinear, "linear"},
     {Activation::kRelu6, "relu6"},
     {Activation::kLeakyRelu, "leaky_relu"},
     {Activation::kGelu, "gelu"},
     {Activation::kSwish, "swish"}}};
inline constexpr io::NameTable<Loss, 14> kLosses{
    {{Loss::kMeanSquaredError, "mean_squared_error"},
     {Loss::kMeanAbsoluteError, "mean_absolute_error"},
     {Loss::kMeanAbsolutePercentageError, "mean_absolute_percentage_error"},
     {Loss::kMeanSquaredLogarithmicError, "mean_squared_logarithmic_error"},
     {Loss::kSquaredHinge, "squared_hinge"},
     {Loss::kHinge, "hinge"},
     {Loss::kCategoricalHinge, "categorical_hinge"},
     {Loss::kLogcosh, "logcosh"},
     {Loss::kHuber, "huber_loss"},
     {Loss::kCategoricalCrossentropy, "categorical_crossentropy"},
     {Loss::kBinaryCrossentropy, "binary_crossentropy"},
     {Loss::kKullbackLeiblerDivergence, "kullback_leibler_divergence"},
     {Loss::kPoisson, "poisson"},
     {Loss::kAngle, "angle_loss"}}};
inline constexpr io::NameTable<Task, 2> kTasks{
    {{Task::kClassification, "classification"}, {Task::kRegression, "regression"}}};

// "layer 3 (dense)": where a message points.
inline std::string layer_where(std::size_t i, LayerType type) {
  return fmt::format("layer {} ({})", i, to_string(type));
}

}  // namespace pmt::model

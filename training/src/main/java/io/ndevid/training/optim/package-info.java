/**
 * Optimizers with PyTorch's update rules and checkpointable state: {@link io.ndevid.training.optim.Adam},
 * {@link io.ndevid.training.optim.RmsProp}, state as {@link io.ndevid.training.optim.OptimizerState}.
 */
package io.ndevid.training.optim;

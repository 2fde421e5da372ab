/* layers.h: what every layer kind shares (layers.c): the bias, the activations forward and
 * backward, and softmax with cross-entropy. Shapes in the comments: B rows (samples), n columns.
 * Outputs first, then inputs, then sizes. Gradients are of the batch's mean loss. */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include "nn.h"

/* db[j0..j1) = column sums of dy (B, n) there: the bias gradient. */
void bias_backward(float *db, const float *dy, int B, int n, int j0, int j1);
/* Columns [j0, j1) of y (B, n): += b, then the activation in place (not softmax). */
void bias_activation(float *y, const float *b, int B, int n, int j0, int j1, nn_activation act);
/* Whether act has a backward of its own (linear has none; softmax's is fused with the loss). */
int activation_has_backward(nn_activation act);
/* d (n) *= act'(.) given the activation's output y (n), in place: relu y>0, sigmoid y(1-y), ... */
void activation_backward(float *d, const float *y, size_t n, nn_activation act);
/* Keras' categorical cross-entropy clips the probabilities to [XENT_EPS, 1 - XENT_EPS] before
 * the log (K.epsilon(), 1e-7): the loss of a row is at most -log(1e-7) = 16.12, and a row whose
 * p[label] lies outside the interval has no gradient, as under tf.clip_by_value. */
#define XENT_EPS 1e-7f
/* z (B, C) logits -> probabilities, in place, stable for any finite logits. With labels (B),
 * writes each row's clipped cross-entropy -log clip(p[label]) to loss_rows[r] (if not NULL),
 * computed in log space (logsumexp - z[label], then clipped), and returns the count of rows whose
 * arg-max is the label. */
int softmax_rows(float *z, int B, int C, const uint8_t *labels, double *loss_rows);
/* d (B, C) = (p - onehot(labels)) / B, the gradient of the mean clipped cross-entropy w.r.t. the
 * logits (softmax and cross-entropy fused); zero rows where p[label] is clipped. */
void softmax_xent_backward(float *d, const float *p, const uint8_t *labels, int B, int C);

#endif

/*
 * primal.c - plain C primal baselines for the GradBench-style evals of
 * `make bench`.
 *
 * These are the reference "how fast is the undifferentiated function"
 * numbers that zad, JAX and PyTorch are compared against: careful,
 * single-threaded, idiomatic C99 with no algorithmic shortcuts beyond the
 * straightforward formulation of each objective (the same loops as the
 * GradBench C++ reference implementations, written independently).
 *
 * Build (as done by the bench harness; no -ffast-math, no OpenMP):
 *
 *     gcc -O3 -march=native -shared -fPIC primal.c -lm -o libprimal.so
 *
 * All arrays are flat, row-major, double precision; sizes are `long`.
 * Exported functions:
 *
 *     double lse_primal(long n, const double *x);
 *     double llsq_primal(long n, long m, const double *x);
 *     void   ode_primal(long n, const double *x, long s, double *y);
 *     double gmm_objective(long d, long k, long n, const double *alpha,
 *                          const double *mu, const double *q,
 *                          const double *l, const double *x,
 *                          double gamma, long m);
 *     double lstm_objective(long l, long c, long b,
 *                           const double *main_params,
 *                           const double *extra_params,
 *                           const double *state, const double *sequence);
 *     double lorenz96_primal(long n, const double *x0, double forcing,
 *                            double dt, long steps);
 *     double heat2d_primal(long n, const double *u0, const double *u_obs,
 *                          double kappa, double dt, double h, long steps);
 *     double det_primal(long ell, const double *a);
 *     double kmeans_cost(long n, long k, long d, const double *points,
 *                        const double *centroids);
 *
 * Functions that need scratch memory allocate it with malloc on every
 * call (as a real program would) and return NaN (or fill y with NaN) if
 * that fails.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ------------------------------------------------------------------ */
/* lse: max(x) + log(sum_i exp(x_i - max(x)))                          */
/* ------------------------------------------------------------------ */


/* ------------------------------------------------------------------ */
/* llsq: 0.5 * sum_i (sign(t_i) - sum_j x_j t_i^j)^2,                 */
/*       t_i = -1 + 2i/(n-1), i = 0..n-1, j = 0..m-1                   */
/* ------------------------------------------------------------------ */

double llsq_primal(long n, long m, const double *x)
{
    double sum = 0.0;
    for (long i = 0; i < n; i++) {
        double t = -1.0 + (double)i * 2.0 / (double)(n - 1);
        double r = (double)((t > 0.0) - (t < 0.0));
        double tj = 1.0;
        for (long j = 0; j < m; j++) {
            r -= x[j] * tj;
            tj *= t;
        }
        sum += r * r;
    }
    return 0.5 * sum;
}

/* ------------------------------------------------------------------ */
/* ode: RK4 with s steps of h = 2/s on y' = f(y), y(0) = 0, where      */
/*      f(y)_0 = x_0 and f(y)_i = x_i * y_{i-1} for i > 0.             */
/* ------------------------------------------------------------------ */

static void ode_rhs(long n, const double *restrict x,
                    const double *restrict y, double *restrict z)
{
    z[0] = x[0];
    for (long i = 1; i < n; i++)
        z[i] = x[i] * y[i - 1];
}

void ode_primal(long n, const double *x, long s, double *y)
{
    double *buf = malloc(5 * (size_t)n * sizeof *buf);
    if (buf == NULL) {
        for (long i = 0; i < n; i++)
            y[i] = NAN;
        return;
    }
    double *restrict k1 = buf;
    double *restrict k2 = buf + n;
    double *restrict k3 = buf + 2 * n;
    double *restrict k4 = buf + 3 * n;
    double *restrict tmp = buf + 4 * n;

    const double h = 2.0 / (double)s;
    const double h2 = 0.5 * h;
    const double h6 = h / 6.0;

    for (long i = 0; i < n; i++)
        y[i] = 0.0;

    for (long step = 0; step < s; step++) {
        ode_rhs(n, x, y, k1);
        for (long i = 0; i < n; i++)
            tmp[i] = y[i] + h2 * k1[i];
        ode_rhs(n, x, tmp, k2);
        for (long i = 0; i < n; i++)
            tmp[i] = y[i] + h2 * k2[i];
        ode_rhs(n, x, tmp, k3);
        for (long i = 0; i < n; i++)
            tmp[i] = y[i] + h * k3[i];
        ode_rhs(n, x, tmp, k4);
        for (long i = 0; i < n; i++)
            y[i] += h6 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
    }

    free(buf);
}

/* ------------------------------------------------------------------ */
/* gmm: log posterior of a Gaussian mixture with a Wishart prior on    */
/*      the precision matrices Q_k^T Q_k (GradBench evals/gmm).        */
/* ------------------------------------------------------------------ */

static double logsumexp(long n, const double *v)
{
    double mx = v[0];
    for (long i = 1; i < n; i++)
        if (v[i] > mx)
            mx = v[i];
    double sum = 0.0;
    for (long i = 0; i < n; i++)
        sum += exp(v[i] - mx);
    return mx + log(sum);
}

double lse_primal(long n, const double *x)
{
    return logsumexp(n, x);
}

/* log of the multivariate gamma function Gamma_p(a). */
static double log_multigamma(double a, long p)
{
    double out = 0.25 * (double)(p * (p - 1)) * log(M_PI);
    for (long j = 1; j <= p; j++)
        out += lgamma(a + 0.5 * (double)(1 - j));
    return out;
}

double gmm_objective(long d, long k, long n, const double *alpha,
                     const double *mu, const double *q, const double *l,
                     const double *x, double gamma, long m)
{
    const long lsz = d * (d - 1) / 2;

    /* qdiag: k*d, sumq: k, xc: d, qx: d, beta: k */
    double *buf = malloc(((size_t)(k * d) + (size_t)k + 2 * (size_t)d +
                          (size_t)k) * sizeof *buf);
    if (buf == NULL)
        return NAN;
    double *qdiag = buf;
    double *sumq = qdiag + k * d;
    double *xc = sumq + k;
    double *qx = xc + d;
    double *beta = qx + d;

    for (long ik = 0; ik < k; ik++) {
        double s = 0.0;
        for (long j = 0; j < d; j++) {
            qdiag[ik * d + j] = exp(q[ik * d + j]);
            s += q[ik * d + j];
        }
        sumq[ik] = s;
    }

    /* Likelihood: sum_i logsumexp_k(beta_ik). */
    double slse = 0.0;
    for (long i = 0; i < n; i++) {
        const double *xi = x + i * d;
        for (long ik = 0; ik < k; ik++) {
            const double *muk = mu + ik * d;
            const double *qd = qdiag + ik * d;
            const double *lk = l + ik * lsz;

            for (long j = 0; j < d; j++) {
                xc[j] = xi[j] - muk[j];
                qx[j] = qd[j] * xc[j];
            }
            /* Strictly lower part of Q_k, stored column by column. */
            long idx = 0;
            for (long col = 0; col < d; col++)
                for (long row = col + 1; row < d; row++)
                    qx[row] += lk[idx++] * xc[col];

            double sq = 0.0;
            for (long j = 0; j < d; j++)
                sq += qx[j] * qx[j];

            beta[ik] = alpha[ik] + sumq[ik] - 0.5 * sq;
        }
        slse += logsumexp(k, beta);
    }

    double out = -(double)n * 0.5 * (double)d * log(2.0 * M_PI) + slse -
                 (double)n * logsumexp(k, alpha);

    /* Wishart prior with V = I / gamma^2 and n_w = d + m + 1 dof. */
    const long nw = d + m + 1;
    const double cst = (double)(nw * d) * (log(gamma) - 0.5 * log(2.0)) -
                       log_multigamma(0.5 * (double)nw, d);
    double prior = 0.0;
    for (long ik = 0; ik < k; ik++) {
        double frob = 0.0;
        for (long j = 0; j < d; j++)
            frob += qdiag[ik * d + j] * qdiag[ik * d + j];
        for (long j = 0; j < lsz; j++)
            frob += l[ik * lsz + j] * l[ik * lsz + j];
        prior += 0.5 * gamma * gamma * frob - (double)m * sumq[ik];
    }
    out += (double)k * cst - prior;

    free(buf);
    return out;
}

/* ------------------------------------------------------------------ */
/* lstm: the ADBench / GradBench LSTM loss (diagonal weights).         */
/*   main_params: 2l rows of 4b   (layer i: weight row 2i, bias 2i+1;  */
/*                                 each row = forget|ingate|outgate|   */
/*                                 change, b each)                     */
/*   extra_params: 3 rows of b    (in_weight, out_weight, out_bias)    */
/*   state: 2l rows of b          (layer i: hidden 2i, cell 2i+1)      */
/*   sequence: c rows of b                                             */
/* ------------------------------------------------------------------ */

static double sigmoid(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

double lstm_objective(long l, long c, long b, const double *main_params,
                      const double *extra_params, const double *state,
                      const double *sequence)
{
    /* st: 2*l*b (copy of the state), ypred: b */
    double *buf = malloc((2 * (size_t)l * (size_t)b + (size_t)b) * sizeof *buf);
    if (buf == NULL)
        return NAN;
    double *st = buf;
    double *ypred = st + 2 * l * b;
    memcpy(st, state, 2 * (size_t)l * (size_t)b * sizeof *st);

    const double *in_w = extra_params;
    const double *out_w = extra_params + b;
    const double *out_b = extra_params + 2 * b;

    double total = 0.0;
    for (long t = 0; t < c - 1; t++) {
        const double *xt = sequence + t * b;

        for (long j = 0; j < b; j++)
            ypred[j] = xt[j] * in_w[j];

        const double *inp = ypred;
        for (long layer = 0; layer < l; layer++) {
            const double *w = main_params + 8 * b * layer;
            const double *bias = w + 4 * b;
            double *hidden = st + 2 * b * layer;
            double *cell = hidden + b;
            for (long j = 0; j < b; j++) {
                double forget = sigmoid(inp[j] * w[j] + bias[j]);
                double ingate = sigmoid(hidden[j] * w[b + j] + bias[b + j]);
                double outgate =
                    sigmoid(inp[j] * w[2 * b + j] + bias[2 * b + j]);
                double change = tanh(hidden[j] * w[3 * b + j] + bias[3 * b + j]);
                cell[j] = cell[j] * forget + ingate * change;
                hidden[j] = outgate * tanh(cell[j]);
            }
            inp = hidden;
        }

        double sumexp = 0.0;
        for (long j = 0; j < b; j++) {
            ypred[j] = inp[j] * out_w[j] + out_b[j];
            sumexp += exp(ypred[j]);
        }
        double lse = log(sumexp + 2.0);

        const double *ygold = sequence + (t + 1) * b;
        for (long j = 0; j < b; j++)
            total += ygold[j] * (ypred[j] - lse);
    }

    free(buf);
    return -total / (double)((c - 1) * b);
}

/* ------------------------------------------------------------------ */
/* lorenz96: forward Euler, periodic, all components from the old x;   */
/*           objective 0.5 * |x(T)|^2.                                 */
/* ------------------------------------------------------------------ */

double lorenz96_primal(long n, const double *x0, double forcing, double dt,
                       long steps)
{
    double *buf = malloc(2 * (size_t)n * sizeof *buf);
    if (buf == NULL)
        return NAN;
    double *x = buf;
    double *xn = buf + n;
    memcpy(x, x0, (size_t)n * sizeof *x);

    for (long step = 0; step < steps; step++) {
        /* Wrapping indices i = 0, 1 and n-1 are done separately so the
         * main loop has no modulo arithmetic. */
        for (long i = 0; i < 2 && i < n; i++) {
            long ip1 = (i + 1) % n, im1 = (i - 1 + n) % n,
                 im2 = (i - 2 + 2 * n) % n;
            xn[i] = x[i] + dt * ((x[ip1] - x[im2]) * x[im1] - x[i] + forcing);
        }
        for (long i = 2; i < n - 1; i++)
            xn[i] = x[i] +
                    dt * ((x[i + 1] - x[i - 2]) * x[i - 1] - x[i] + forcing);
        if (n > 2) {
            long i = n - 1;
            xn[i] = x[i] + dt * ((x[0] - x[i - 2]) * x[i - 1] - x[i] + forcing);
        }
        double *swap = x;
        x = xn;
        xn = swap;
    }

    double sum = 0.0;
    for (long i = 0; i < n; i++)
        sum += x[i] * x[i];

    free(buf);
    return 0.5 * sum;
}

/* ------------------------------------------------------------------ */
/* heat2d: explicit 5-point heat equation on an n x n grid, boundary   */
/*         fixed; J = 0.5 h^2 sum (u - u_obs)^2 after `steps` steps.   */
/* ------------------------------------------------------------------ */

double heat2d_primal(long n, const double *u0, const double *u_obs,
                     double kappa, double dt, double h, long steps)
{
    const size_t nn = (size_t)n * (size_t)n;
    double *buf = malloc(2 * nn * sizeof *buf);
    if (buf == NULL)
        return NAN;
    double *u = buf;
    double *un = buf + nn;
    /* Both buffers start as u0 so the boundary is right in either one. */
    memcpy(u, u0, nn * sizeof *u);
    memcpy(un, u0, nn * sizeof *un);

    const double r = kappa * dt / (h * h);
    for (long step = 0; step < steps; step++) {
        for (long i = 1; i < n - 1; i++) {
            const double *up = u + (i - 1) * n;
            const double *uc = u + i * n;
            const double *ud = u + (i + 1) * n;
            double *out = un + i * n;
            for (long j = 1; j < n - 1; j++)
                out[j] = uc[j] + r * (up[j] + ud[j] + uc[j - 1] + uc[j + 1] -
                                      4.0 * uc[j]);
        }
        double *swap = u;
        u = un;
        un = swap;
    }

    double sum = 0.0;
    for (size_t i = 0; i < nn; i++) {
        double e = u[i] - u_obs[i];
        sum += e * e;
    }

    free(buf);
    return 0.5 * h * h * sum;
}

/*
 * det: the determinant of the ell x ell matrix a by expansion by minors
 * along the top row, each minor computed once (as zad's kernel does; the
 * recursive formulation of GradBench's reference recomputes minors and
 * costs O(ell!) instead of O(ell 2^ell)). The minor on the column set S (a
 * bit mask) spans the last |S| rows: minor(S) = sum over j in S, in
 * increasing order, of (-1)^(number of columns of S before j) a[l-|S|][j]
 * minor(S - {j}); every mask is larger than its subsets.
 */
double det_primal(long ell, const double *a)
{
    long masks = 1L << ell;
    double *minor = malloc((size_t)masks * sizeof *minor);
    if (!minor)
        return NAN;
    minor[0] = 1.0;
    for (long mask = 1; mask < masks; mask++) {
        const double *row = a + (ell - __builtin_popcountl(mask)) * ell;
        double sum = 0.0;
        int odd = 0;
        for (long j = 0; j < ell; j++) {
            if (!(mask >> j & 1))
                continue;
            double term = row[j] * minor[mask ^ (1L << j)];
            sum += odd ? -term : term;
            odd = !odd;
        }
        minor[mask] = sum;
    }
    double det = minor[masks - 1];
    free(minor);
    return det;
}

/* kmeans: sum over points of the squared distance to the nearest centroid. */
double kmeans_cost(long n, long k, long d, const double *points,
                   const double *centroids)
{
    double total = 0.0;
    for (long i = 0; i < n; i++) {
        const double *p = points + i * d;
        double best = INFINITY;
        for (long j = 0; j < k; j++) {
            const double *c = centroids + j * d;
            double distance = 0.0;
            for (long e = 0; e < d; e++) {
                double difference = c[e] - p[e];
                distance += difference * difference;
            }
            best = distance < best ? distance : best;
        }
        total += best;
    }
    return total;
}

/*
 * stoic runtime: STOIC_INLINE, how a kernel is defined in its header
 * (stoic_<kernel>.h): as a static inline function that the compiler
 * inlines into each call, so that the generated code compiles every
 * layer's call with that layer's parameter struct (a static const object)
 * as constants: loop bounds, strides, zero points, the branches on
 * parameters folded away (stoic generate --kernels inline). The kernel's
 * .c file is its one out-of-line form (the host evaluator, --kernels
 * shared). GCC and Clang would not inline a function this large into
 * several calls without being told (always_inline; MISRA deviation MD-02).
 * Not when the compiler does not inline at all (-O0: GCC and Clang define
 * __NO_INLINE__): a debug or sanitizer build then compiles each kernel
 * once, a function of its own, instead of a copy per call (clang with
 * the sanitizers: a quarter of the time, a sixth of the object), and
 * runs the same code.
 */
#ifndef STOIC_INLINE_H
#define STOIC_INLINE_H

#if defined(__GNUC__) && !defined(__NO_INLINE__)
#define STOIC_INLINE static inline __attribute__((always_inline))   /* MISRA deviation MD-02 */
#else
#define STOIC_INLINE static inline
#endif

#endif

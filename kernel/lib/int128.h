/*
 * The 128-bit division helpers compilers call for __int128 / and %
 * (kernel/lib/int128.c): declared here for that file and its host tests.
 */
#ifndef KERNEL_LIB_INT128_H
#define KERNEL_LIB_INT128_H

typedef unsigned __int128 u128;
typedef __int128 s128;

u128 __udivti3(u128 n, u128 d);
u128 __umodti3(u128 n, u128 d);
s128 __divti3(s128 n, s128 d);
s128 __modti3(s128 n, s128 d);

#endif

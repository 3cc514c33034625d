#include "textflag.h"

// commonCells: see common_amd64.go, and commonNumbersGo, the same loop in
// Go, whose steps the comments follow.
//
// Registers: SI data, DI len(data), R8 &start[i], R9 &end[i], R11 j,
// R12 r*8; AX BX CX DX R10 R13 X0 X2 scratch (X2 holds the cell's sign
// bit); the next slot of left on the stack.

DATA digitsXor<>+0(SB)/8, $0x3030303030303030
GLOBL digitsXor<>(SB), RODATA|NOPTR, $8
DATA low7<>+0(SB)/8, $0x7f7f7f7f7f7f7f7f
GLOBL low7<>(SB), RODATA|NOPTR, $8
DATA past9<>+0(SB)/8, $0x7676767676767676
GLOBL past9<>(SB), RODATA|NOPTR, $8
DATA highs<>+0(SB)/8, $0x8080808080808080
GLOBL highs<>(SB), RODATA|NOPTR, $8
DATA pairs<>+0(SB)/8, $0x00ff00ff00ff00ff
GLOBL pairs<>(SB), RODATA|NOPTR, $8
DATA fours<>+0(SB)/8, $0x0000ffff0000ffff
GLOBL fours<>(SB), RODATA|NOPTR, $8
DATA eights<>+0(SB)/8, $0x0000271000000001
GLOBL eights<>(SB), RODATA|NOPTR, $8

// The SSSE3 path's constants, 16 bytes each: '0', 9 and '.'-'0' in every
// byte; the weights of digit pairs (10, 1), of pairs of pairs (100, 1) and
// of fours (10000, 1).
DATA simdConsts<>+0(SB)/8, $0x3030303030303030
DATA simdConsts<>+8(SB)/8, $0x3030303030303030
DATA simdConsts<>+16(SB)/8, $0x0909090909090909
DATA simdConsts<>+24(SB)/8, $0x0909090909090909
DATA simdConsts<>+32(SB)/8, $0xfefefefefefefefe
DATA simdConsts<>+40(SB)/8, $0xfefefefefefefefe
DATA simdConsts<>+48(SB)/8, $0x010a010a010a010a
DATA simdConsts<>+56(SB)/8, $0x010a010a010a010a
DATA simdConsts<>+64(SB)/8, $0x0001006400010064
DATA simdConsts<>+72(SB)/8, $0x0001006400010064
DATA simdConsts<>+80(SB)/8, $0x0001271000012710
DATA simdConsts<>+88(SB)/8, $0x0001271000012710
GLOBL simdConsts<>(SB), RODATA|NOPTR, $96

// NONDIGITS sets F to nonDigits' flags of X (a word already xored with
// digitsXor): the top bit of each byte that is not 0-9.
#define NONDIGITS(X, F) \
	MOVQ X, F; \
	ANDQ low7<>(SB), F; \
	ADDQ past9<>(SB), F; \
	ORQ  X, F; \
	ANDQ highs<>(SB), F

// DIGITS8 is digits8(R), in R.
#define DIGITS8(R) \
	IMUL3Q $0xa01, R, R; \
	SHRQ   $8, R; \
	ANDQ   pairs<>(SB), R; \
	IMUL3Q $0x640001, R, R; \
	SHRQ   $16, R; \
	ANDQ   fours<>(SB), R; \
	IMULQ  eights<>(SB), R; \
	SHRQ   $32, R

// func commonCells(data []byte, start, end []int32, k int, cols []unsafe.Pointer, ints []bool, left []int32) int
TEXT ·commonCells(SB), NOSPLIT, $16-160
	MOVQ data_base+0(FP), SI
	MOVQ data_len+8(FP), DI
	MOVQ start_base+24(FP), R8
	MOVQ start_len+32(FP), AX
	LEAQ (R8)(AX*4), AX
	MOVQ AX, stop-8(SP)
	MOVQ end_base+48(FP), R9
	MOVQ left_base+128(FP), R13
	MOVQ R13, slot-16(SP)
	MOVOU simdConsts<>+0(SB), X8
	MOVOU simdConsts<>+16(SB), X9
	MOVOU simdConsts<>+32(SB), X10
	MOVOU simdConsts<>+48(SB), X11
	MOVOU simdConsts<>+64(SB), X12
	MOVOU simdConsts<>+80(SB), X13
	XORL R11, R11
	XORL R12, R12
	CMPQ R8, AX
	JAE  done

loop:
	MOVLQSX (R8), AX // s
	MOVLQSX (R9), BX // e
	TESTQ   AX, AX
	JS      leave
	CMPQ    AX, BX
	JGE     leave    // s >= e
	CMPQ    BX, DI
	JA      leave    // e > len(data)
	// The sign without a branch (a column's signs are often random):
	// ds = s+1 after a '-', and X2 the sign bit.
	XORL    DX, DX
	CMPB    (SI)(AX*1), $0x2d
	SETEQ   DL
	ADDQ    DX, AX
	SHLQ    $63, DX
	MOVQ    DX, X2

	// AX = ds, BX = e; R10 = l, 1 to 16; a word from ds within data.
	MOVQ BX, R10
	SUBQ AX, R10
	JLE  leave
	CMPQ R10, $16
	JA   leave
	CMPB ·commonSSSE3(SB), $0
	JEQ  scalar
	LEAQ 16(AX), DX
	CMPQ DX, DI
	JA   scalar

	// SSSE3: the 16 bytes from ds less '0' in X1 (a digit is 0 to 9);
	// BX the cell's non-digits, R13 the bytes that are points, DX the
	// first 8 bytes (DL the first digit: 0 for a '0').
	MOVOU    (SI)(AX*1), X1
	PSUBB    X8, X1
	MOVOU    X1, X3
	PMINUB   X9, X3
	PCMPEQB  X1, X3
	PMOVMSKB X3, BX
	MOVOU    X1, X3
	PCMPEQB  X10, X3
	PMOVMSKB X3, R13
	MOVQ     R10, CX
	MOVL     $1, DX
	SHLL     CX, DX
	DECL     DX      // the cell's bytes, (1<<l)-1
	NOTL     BX
	ANDL     DX, BX
	MOVQ     X1, DX
	JZ       sint
	// A decimal: one non-digit, the point, at p = 1 to 7; no leading
	// zero; 1 to 8 digits after it.
	TESTL R13, BX
	JZ    leave
	LEAL  -1(BX), R13
	TESTL R13, BX
	JNZ   leave
	BSFL  BX, BX
	TESTL BX, BX
	JZ    leave
	CMPL  BX, $7
	JA    leave
	CMPL  BX, $2
	SETCC R13B
	TESTB DL, DL
	SETEQ DL
	TESTB DL, R13B
	JNZ   leave
	MOVQ  R10, CX
	SUBQ  BX, CX
	DECQ  CX         // frac
	JZ    leave
	CMPQ  CX, $8
	JA    leave
	SHLQ  $4, BX
	LEAQ  -1(BX)(R10*1), BX // the shuffle of p, l-1 digits
	MOVQ  CX, R10
	JMP   sdigits

sint:
	// Digits only: 1 to 8 of them, and no leading zero but "0" itself.
	CMPQ  R10, $8
	JA    leave
	TESTB DL, DL
	JNZ   sintok
	CMPQ  R10, $1
	JNE   leave
	MOVQ  X2, DX
	TESTQ DX, DX
	JNZ   leave

sintok:
	LEAQ 128(R10), BX // the shuffle of no point (p = 8), l digits
	XORL R10, R10     // no decimals

sdigits:
	// The digits right-aligned in X1 (zeros before them), summed in
	// pairs, fours, then eights: the first 8 in X1's low dword, the
	// last 8 in the next.
	SHLQ      $4, BX
	LEAQ      ·digitShuffles(SB), DX
	MOVOU     (DX)(BX*1), X3
	PSHUFB    X3, X1
	PMADDUBSW X11, X1
	PMADDWL   X12, X1
	PACKSSLW  X1, X1
	PMADDWL   X13, X1
	MOVQ      X1, AX
	MOVL      AX, DX
	SHRQ      $32, AX
	IMUL3Q    $100000000, DX, DX
	ADDQ      DX, AX           // m

number:
	// The number m/10^frac (AX, R10), its sign X2: one rounding, as
	// strconv's. X0 cleared first: CVTSQ2SD writes its low half only, and
	// each cell would wait for the last one's division.
	XORPS    X0, X0
	CVTSQ2SD AX, X0
	LEAQ     ·pow10(SB), DX
	DIVSD    (DX)(R10*8), X0
	ORPD     X2, X0
	MOVQ     cols_base+80(FP), DX
	MOVQ     (DX)(R11*8), DX
	MOVSD    X0, (DX)(R12*1)
	// ints[j] stays set for an integer only (no decimals).
	TESTQ    R10, R10
	SETEQ    CX
	MOVQ     ints_base+104(FP), DX
	ANDB     CX, (DX)(R11*1)
	JMP      next

scalar:
	LEAQ 8(AX), DX
	CMPQ DX, DI
	JA   leave
	MOVQ (SI)(AX*1), AX
	XORQ digitsXor<>(SB), AX // x0
	NONDIGITS(AX, DX)        // f0
	// Only the cell's own bytes: f0 &= lowBytes[min(l, 8)].
	MOVQ    R10, CX
	MOVQ    $8, R13
	CMPQ    CX, R13
	CMOVQGT R13, CX
	LEAQ    ·lowBytes(SB), R13
	ANDQ    (R13)(CX*8), DX
	JZ      integer

	// A decimal: p, the first non-digit's byte, in CX.
	BSFQ DX, CX
	SHRQ $3, CX
	JZ   leave   // p = 0: ".5"
	// A leading zero ("01.5": the first digit a '0' and p ≥ 2), without
	// a branch on either (both vary within a column).
	CMPQ  CX, $2
	SETCC DL
	TESTB AL, AL
	SETEQ R13B
	TESTB DL, R13B
	JNZ   leave
	SUBQ CX, R10
	DECQ R10     // frac = l - p - 1
	JZ   leave   // "7."
	CMPQ R10, $8
	JA   leave
	SHLQ $3, CX
	MOVQ AX, DX
	SHRQ CX, DX
	CMPB DL, $0x1e // '.' ^ '0': the point
	JNE  leave
	NEGQ CX
	ADDQ $64, CX
	SHLQ CX, AX
	DIGITS8(AX)    // the integer digits
	// x1, the word ending the cell: at e-8, or for a cell ending within
	// the data's first 8 bytes, the word at 0 moved up to end there.
	LEAQ    -8(BX), CX
	XORL    DX, DX
	TESTQ   CX, CX
	CMOVQLT DX, CX // e8 = max(e-8, 0)
	MOVQ    (SI)(CX*1), DX
	SUBQ    BX, CX
	ADDQ    $8, CX
	SHLQ    $3, CX // 8·(e8-e+8), 0 to 56
	SHLQ    CX, DX
	MOVQ    DX, BX
	XORQ    digitsXor<>(SB), BX // x1
	NONDIGITS(BX, DX)           // f1
	MOVQ R10, CX
	SHLQ $3, CX
	NEGQ CX
	ADDQ $64, CX             // drop = 64 - 8*frac, 0 to 56
	SHRQ CX, DX
	TESTQ DX, DX
	JNZ  leave               // a non-digit after the point
	SHRQ CX, BX
	SHLQ CX, BX
	DIGITS8(BX)              // the decimals
	LEAQ ·pow10u(SB), DX
	IMULQ (DX)(R10*8), AX
	ADDQ BX, AX              // m
	JMP  number

integer:
	// AX = x0, R10 = l: digits only, 1 to 8 of them.
	CMPQ R10, $8
	JA   leave
	MOVQ R10, CX
	SHLQ $3, CX
	NEGQ CX
	ADDQ $64, CX // 64 - 8*l, 0 to 56
	TESTB AL, AL
	JNZ  intok
	CMPQ R10, $1 // a leading '0': "0" alone, unsigned
	JNE  leave
	MOVQ X2, DX
	TESTQ DX, DX
	JNZ  leave

intok:
	SHLQ CX, AX
	DIGITS8(AX)
	XORL R10, R10 // no decimals
	JMP  number

leave:
	MOVQ R8, DX
	SUBQ start_base+24(FP), DX
	SHRQ $2, DX
	MOVQ slot-16(SP), R13
	MOVL DX, (R13)
	ADDQ $4, R13
	MOVQ R13, slot-16(SP)

next:
	ADDQ $4, R8
	ADDQ $4, R9
	INCQ R11
	CMPQ R11, k+72(FP)
	JB   same
	XORL R11, R11
	ADDQ $8, R12

same:
	CMPQ R8, stop-8(SP)
	JB   loop

done:
	MOVQ slot-16(SP), R13
	SUBQ left_base+128(FP), R13
	SHRQ $2, R13
	MOVQ R13, ret+152(FP)
	RET

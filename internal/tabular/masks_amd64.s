#include "textflag.h"

// func sepMasksSSE2(c []byte, sep byte, masks []uint64) (high bool)
//
// For each 64 bytes: four 16-byte loads, each compared with the separator
// and with '\n' (PCMPEQB), the matches' bytes gathered into 16 bits
// (PMOVMSKB) and the four put together into the group's mask. The bytes
// are or-ed together into X7, whose top bits say whether one was past
// ASCII.
TEXT ·sepMasksSSE2(SB), NOSPLIT, $0-57
	MOVQ    c_base+0(FP), SI
	MOVQ    c_len+8(FP), CX
	SHRQ    $6, CX // groups
	MOVQ    masks_base+32(FP), DI
	MOVBLZX sep+24(FP), AX
	MOVQ    $0x0101010101010101, DX
	IMULQ   DX, AX
	MOVQ    AX, X8
	PUNPCKLQDQ X8, X8 // the separator in every byte
	MOVQ    $0x0a0a0a0a0a0a0a0a, AX
	MOVQ    AX, X9
	PUNPCKLQDQ X9, X9 // '\n' in every byte
	PXOR    X7, X7
	TESTQ   CX, CX
	JZ      done

loop:
	MOVOU    (SI), X0
	MOVOU    16(SI), X1
	MOVOU    32(SI), X2
	MOVOU    48(SI), X3
	POR      X0, X7
	POR      X1, X7
	POR      X2, X7
	POR      X3, X7
	MOVOA    X0, X4
	PCMPEQB  X8, X0
	PCMPEQB  X9, X4
	POR      X4, X0
	MOVOA    X1, X4
	PCMPEQB  X8, X1
	PCMPEQB  X9, X4
	POR      X4, X1
	MOVOA    X2, X4
	PCMPEQB  X8, X2
	PCMPEQB  X9, X4
	POR      X4, X2
	MOVOA    X3, X4
	PCMPEQB  X8, X3
	PCMPEQB  X9, X4
	POR      X4, X3
	PMOVMSKB X0, AX
	PMOVMSKB X1, BX
	PMOVMSKB X2, DX
	PMOVMSKB X3, R8
	SHLQ     $16, BX
	SHLQ     $32, DX
	SHLQ     $48, R8
	ORQ      BX, AX
	ORQ      R8, DX
	ORQ      DX, AX
	MOVQ     AX, (DI)
	ADDQ     $64, SI
	ADDQ     $8, DI
	DECQ     CX
	JNZ      loop

done:
	PMOVMSKB X7, AX
	TESTL    AX, AX
	SETNE    high+56(FP)
	RET

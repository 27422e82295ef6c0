/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_ASM_H
#define SLUICE_ASM_H

/**
 * @file
 * Frame assembly for to_npu flows: RTP raw video (RFC 4175) and Sluice's
 * tensor-over-UDP format (docs/npu-ingest.md). Plain C, no DPDK: unit tests
 * and fuzzers reach it without EAL.
 *
 * The assembler never copies payload. For each packet it validates the
 * headers against the stream's geometry and says where each run of payload
 * bytes goes in the frame (struct sluice_asm_seg); the caller moves the bytes
 * (CPU copy, rte_dmadev, or a gather list for zero-copy) into the frame's
 * buffer in NPU memory, so one burst of packets becomes one burst of copies.
 *
 * Two steps per packet:
 *  1. sluice_asm_parse(): the packet alone (stateless). Every header field
 *     is checked: lengths past the packet, offsets past the line, line
 *     numbers past the frame, bad version or magic. A bad packet gets a
 *     named reason (SLUICE_ASM_ERR_LIST) and nothing else happens.
 *  2. sluice_asm_track(): the packet against its flow's state (struct
 *     sluice_asm_flow): which frame it belongs to, duplicates, reordering
 *     within a window, completion.
 *
 * Frame rules (both formats):
 *  - A flow has at most one open frame. A packet of a newer frame (RTP
 *    timestamp or tensor frame id newer than the open one's) closes the open
 *    frame: as it is incomplete (a complete frame closes at once) it is
 *    abandoned (SLUICE_ASM_ABANDONED is set in the verdict; the caller
 *    releases its buffer and counts "frame_incomplete").
 *  - A packet of an older frame (already completed or abandoned, or older
 *    than the open one) is late.
 *  - Within a frame, packets may come in any order; a sequence number seen
 *    twice is a duplicate. The reorder window slides with the frame: a
 *    sequence number more than `window` ahead of the newest one accepted in
 *    the frame, or `window` or more behind it, is refused (the frame stays
 *    open). Frames of more packets than the window complete as long as
 *    reordering stays within it.
 *  - RFC 4175: a packet whose SSRC differs from the flow's is a new source
 *    (RFC 3550): it opens a new frame whatever its timestamp.
 *  - Timestamps, frame ids and sequence numbers compare by serial number
 *    arithmetic (RFC 1982): "newer" means ahead by less than half the space,
 *    so they wrap. A flow idle for half the space (6.6 h of a 90 kHz RTP
 *    clock) must be reset by the caller, or its next frames look late.
 *  - A frame is complete when every byte of it has arrived exactly once by
 *    byte count and (RFC 4175) the packet with the RTP marker bit has been
 *    seen, or (tensor) every chunk has arrived. Tensor chunks tile the frame
 *    (docs/npu-ingest.md), so there every byte is written once; RFC 4175
 *    lines are only counted, so a sender whose lines overlap completes a
 *    frame with holes (its own; every segment still lies inside the frame).
 *  - A packet that would take the frame past its size is refused (OVERFLOW).
 *
 * Threads: a flow's state belongs to the one worker that receives the flow
 * (RSS keeps a flow on one queue). No call allocates, locks or makes a syscall.
 */

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most payload runs one packet yields (RFC 4175 line headers per packet). */
#define SLUICE_ASM_SEGS_MAX 16
/** Largest reorder window, in packets. */
#define SLUICE_ASM_WINDOW_MAX 1024

/** Why a packet was refused; names are the counters the bridge exports. */
#define SLUICE_ASM_ERR_LIST(X)                                                                     \
	X(NONE, "none", "accepted")                                                               \
	X(SHORT, "asm_short", "UDP payload shorter than the RTP or tensor header")                \
	X(RTP_VERSION, "rtp_bad_version", "RTP version is not 2")                                 \
	X(RTP_PAYLOAD_TYPE, "rtp_bad_payload_type", "RTP payload type is not the stream's")        \
	X(RTP_HDR_LEN, "rtp_bad_header_length", "CSRC list or extension runs past the packet")    \
	X(RFC4175_NO_LINES, "rfc4175_no_lines", "no line header before the payload")              \
	X(RFC4175_TOO_MANY_LINES, "rfc4175_too_many_lines", "more line headers than SLUICE_ASM_SEGS_MAX") \
	X(RFC4175_LENGTH, "rfc4175_bad_length", "line lengths run past the packet, or not whole pixel groups") \
	X(RFC4175_LINE, "rfc4175_bad_line", "line number past the frame height")                  \
	X(RFC4175_OFFSET, "rfc4175_bad_offset", "offset plus length runs past the line width")    \
	X(RFC4175_FIELD, "rfc4175_interlaced", "field bit set: interlaced video is not supported") \
	X(TENSOR_MAGIC, "tensor_bad_magic", "tensor header magic or version is wrong")            \
	X(TENSOR_SHAPE, "tensor_bad_shape", "tensor shape is not the stream's, or too large")     \
	X(TENSOR_CHUNK, "tensor_bad_chunk", "chunk index, count or offset out of range")          \
	X(LATE, "asm_late", "packet of a frame already completed or abandoned")                   \
	X(DUPLICATE, "asm_duplicate", "sequence number or chunk already received")                \
	X(WINDOW, "asm_out_of_window", "sequence number outside the reorder window")              \
	X(OVERFLOW, "asm_overflow", "more bytes than the frame holds")

enum sluice_asm_err {
#define SLUICE_ASM_ERR_ENUM(e, n, d) SLUICE_ASM_ERR_##e,
	SLUICE_ASM_ERR_LIST(SLUICE_ASM_ERR_ENUM)
#undef SLUICE_ASM_ERR_ENUM
	SLUICE_ASM_ERR_MAX
};

/** Counter name of a reason ("rfc4175_bad_line"...), or NULL when out of range. */
const char *sluice_asm_err_name(unsigned int err);
/** One-line description of a reason. */
const char *sluice_asm_err_desc(unsigned int err);

enum sluice_asm_fmt {
	SLUICE_ASM_RFC4175 = 1,
	SLUICE_ASM_TENSOR = 2,
};

/** Pixel formats of RFC 4175 streams (and the tensor channel count that matches). */
enum sluice_asm_pix {
	SLUICE_ASM_GRAY8 = 1,   /**< 1 byte per pixel, pixel group 1 pixel/1 byte */
	SLUICE_ASM_RGB8 = 3,    /**< 3 bytes per pixel, pixel group 1 pixel/3 bytes */
};

/** What a stream looks like; fixed per NPU context. */
struct sluice_asm_geom {
	enum sluice_asm_fmt fmt;
	enum sluice_asm_pix pix;
	uint16_t width, height;
	/** RFC 4175: RTP payload type the stream uses (96..127), or 0 for any. */
	uint8_t payload_type;
	/** Reorder window in packets, 1..SLUICE_ASM_WINDOW_MAX; 0 = 64. */
	uint16_t window;
};

/** Frame size in bytes: width * height * bytes per pixel. */
uint32_t sluice_asm_frame_bytes(const struct sluice_asm_geom *g);

/**
 * @return 0, or -EINVAL (NULL, zero or > 4096 sides, unknown format or pixel
 *         format, payload type > 127, window too big).
 */
int sluice_asm_geom_check(const struct sluice_asm_geom *g);

/** `len` payload bytes starting `src_off` bytes into the UDP payload go to frame byte `dst_off`. */
struct sluice_asm_seg {
	uint32_t dst_off;
	uint16_t src_off;
	uint16_t len;
};

/** A parsed packet (sluice_asm_parse's output). */
struct sluice_asm_pkt {
	/** RTP timestamp (RFC 4175) or frame id (tensor). */
	uint32_t frame;
	/** Extended sequence number (RFC 4175) or chunk index (tensor). */
	uint32_t seq;
	/** RTP marker (end of frame) or tensor last-chunk flag. */
	bool last;
	/** Tensor only: chunks in the frame. */
	uint16_t nb_chunks;
	/** RTP SSRC (0 for tensor); the bridge echoes it in results. */
	uint32_t ssrc;
	uint16_t nb_segs;
	uint32_t bytes;           /**< sum of seg lengths */
	struct sluice_asm_seg seg[SLUICE_ASM_SEGS_MAX];
};

/**
 * Parse one UDP payload of a stream with geometry `g` (one that passed
 * sluice_asm_geom_check). Reads only payload[0, len).
 * @return SLUICE_ASM_ERR_NONE and *p filled, or the reason it is refused
 *         (*p is then not written).
 */
enum sluice_asm_err sluice_asm_parse(const struct sluice_asm_geom *g, const uint8_t *payload,
				     uint32_t len, struct sluice_asm_pkt *p);

/**
 * Per-flow state; zero it (or call sluice_asm_flow_reset) before the first
 * packet. Callers treat it as opaque storage.
 */
struct sluice_asm_flow {
	bool open;               /**< a frame is open */
	bool have_last;          /**< the open frame's marker / last chunk was seen */
	bool any_closed;         /**< last_closed is valid */
	uint32_t frame;          /**< the open frame's timestamp or id */
	uint32_t top;            /**< newest sequence number accepted in the open frame */
	uint32_t bytes;          /**< bytes received of the open frame */
	uint32_t chunk_len;      /**< tensor: the open frame's chunk length */
	uint32_t last_closed;    /**< timestamp or id of the newest closed frame */
	uint32_t ssrc;           /**< RFC 4175: the source the frames come from */
	/** Ring of received sequence numbers, indexed by their low bits. */
	uint64_t seen[SLUICE_ASM_WINDOW_MAX / 64];
};

void sluice_asm_flow_reset(struct sluice_asm_flow *f);

/** Verdict bits of sluice_asm_track(). */
enum sluice_asm_verdict {
	/** The packet opens a new frame: give it a buffer before copying. */
	SLUICE_ASM_NEW_FRAME = 1u << 0,
	/** An incomplete open frame was abandoned by this packet: release its buffer. */
	SLUICE_ASM_ABANDONED = 1u << 1,
	/** Copy the packet's segments into the (current) frame's buffer. */
	SLUICE_ASM_COPY = 1u << 2,
	/** After the copy the frame is complete: hand it to the scheduler. */
	SLUICE_ASM_COMPLETE = 1u << 3,
};

/**
 * Account a parsed packet in its flow.
 * `p` must come from sluice_asm_parse() with the same geometry.
 * @return a mask of enum sluice_asm_verdict; 0 means refused, with *err set
 *         (LATE, DUPLICATE, WINDOW, OVERFLOW, or TENSOR_CHUNK when a tensor
 *         chunk's chunk length, hence its count, differs from its frame's). The open frame is
 *         unchanged by a refused packet. On success *err is NONE.
 */
uint32_t sluice_asm_track(struct sluice_asm_flow *f, const struct sluice_asm_geom *g,
			  const struct sluice_asm_pkt *p, enum sluice_asm_err *err);

/**
 * Abandon the open frame (the caller could not give it a buffer, or it timed
 * out): later packets of it are late. No-op without an open frame.
 */
void sluice_asm_flow_abandon(struct sluice_asm_flow *f);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_ASM_H */

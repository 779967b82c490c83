;; The fast scan's byte prefilter: 16 bytes at a time (WebAssembly SIMD) it counts newlines and stops at the
;; first place a training log could say something non-finite. The needles' nibble tables are data: the
;; caller writes them at the start of memory (bytes 0-95, see index.ts); build.mjs assembles this file
;; with wat2wasm (wabt) into wasm.ts.
;;
;; Needles are 3 bytes, matched case-insensitively with nibble tables (Hyperscan's "Teddy" idea): byte j of
;; needle b sets bit b in LOj[low nibble] and HIj[high nibble]; a block position matches needle b when bit b
;; survives the AND over j = 0, 1, 2. "nan" and "inf" must also be whole tokens (see $accept).
(module
  (memory (export "memory") 200)
  (global $newlines (export "newlines") (mut i32) (i32.const 0))

  ;; 1 when byte b is [A-Za-z0-9_]: a token continues.
  (func $word (param $b i32) (result i32)
    (local $l i32)
    (local.set $l (i32.or (local.get $b) (i32.const 0x20)))
    (i32.or
      (i32.or
        (i32.and (i32.ge_u (local.get $l) (i32.const 0x61)) (i32.le_u (local.get $l) (i32.const 0x7a)))
        (i32.and (i32.ge_u (local.get $b) (i32.const 0x30)) (i32.le_u (local.get $b) (i32.const 0x39))))
      (i32.eq (local.get $b) (i32.const 0x5f))))

  ;; Whether the needle match at p is a real candidate: "nan"/"inf" only as whole tokens ("inf" may go on as "infinity").
  (func $accept (param $p i32) (result i32)
    (local $c0 i32) (local $c1 i32) (local $c2 i32) (local $after i32)
    (local.set $c0 (i32.or (i32.load8_u (local.get $p)) (i32.const 0x20)))
    (local.set $c1 (i32.or (i32.load8_u offset=1 (local.get $p)) (i32.const 0x20)))
    (local.set $c2 (i32.or (i32.load8_u offset=2 (local.get $p)) (i32.const 0x20)))
    ;; Other needles (the formats' words) are accepted as they are.
    (if (i32.or
          (i32.and (i32.and (i32.eq (local.get $c0) (i32.const 0x6e)) (i32.eq (local.get $c1) (i32.const 0x61))) (i32.eq (local.get $c2) (i32.const 0x6e)))
          (i32.and (i32.and (i32.eq (local.get $c0) (i32.const 0x69)) (i32.eq (local.get $c1) (i32.const 0x6e))) (i32.eq (local.get $c2) (i32.const 0x66))))
      (then
        (if (i32.gt_u (local.get $p) (i32.const 0))
          (then (if (call $word (i32.load8_u (i32.sub (local.get $p) (i32.const 1)))) (then (return (i32.const 0))))))
        (local.set $after (i32.load8_u offset=3 (local.get $p)))
        (if (i32.and (i32.eq (local.get $c0) (i32.const 0x69)) (i32.eq (i32.or (local.get $after) (i32.const 0x20)) (i32.const 0x69)))
          (then (return (i32.const 1))))
        (return (i32.eqz (call $word (local.get $after))))))
    (i32.const 1))

  ;; Per byte of the block at p: the bits of the needles that start there.
  (func $matches (param $p i32) (result v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128)
    (local.set $b0 (v128.load align=1 (local.get $p)))
    (local.set $b1 (v128.load offset=1 align=1 (local.get $p)))
    (local.set $b2 (v128.load offset=2 align=1 (local.get $p)))
    (v128.and
      (v128.and
        (v128.and
          (i8x16.swizzle (v128.load (i32.const 0)) (v128.and (local.get $b0) (v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f)))
          (i8x16.swizzle (v128.load (i32.const 16)) (v128.and (i16x8.shr_u (local.get $b0) (i32.const 4)) (v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f))))
        (v128.and
          (i8x16.swizzle (v128.load (i32.const 32)) (v128.and (local.get $b1) (v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f)))
          (i8x16.swizzle (v128.load (i32.const 48)) (v128.and (i16x8.shr_u (local.get $b1) (i32.const 4)) (v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f)))))
      (v128.and
        (i8x16.swizzle (v128.load (i32.const 64)) (v128.and (local.get $b2) (v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f)))
        (i8x16.swizzle (v128.load (i32.const 80)) (v128.and (i16x8.shr_u (local.get $b2) (i32.const 4)) (v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f))))))

  ;; Sum of the 16 byte lanes.
  (func $sum (param $v v128) (result i32)
    (local $w v128)
    (local.set $w (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $v))))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $w)) (i32x4.extract_lane 1 (local.get $w)))
      (i32.add (i32x4.extract_lane 2 (local.get $w)) (i32x4.extract_lane 3 (local.get $w)))))

  ;; The first accepted candidate among the block's match bits (limited to `keep`), as its offset in the
  ;; block; 16 when none. Adds the block's newlines before it (or all kept ones) to $newlines.
  (func $block (param $p i32) (param $keep i32) (result i32)
    (local $hits i32) (local $nl i32) (local $k i32)
    (local.set $hits (i32.and (local.get $keep) (i8x16.bitmask (i8x16.ne (call $matches (local.get $p)) (v128.const i32x4 0 0 0 0)))))
    (local.set $nl (i32.and (local.get $keep) (i8x16.bitmask (i8x16.eq (v128.load align=1 (local.get $p)) (i8x16.splat (i32.const 0x0a))))))
    (block $none
      (loop $candidate
        (br_if $none (i32.eqz (local.get $hits)))
        (local.set $k (i32.ctz (local.get $hits)))
        (if (call $accept (i32.add (local.get $p) (local.get $k)))
          (then
            (global.set $newlines (i32.add (global.get $newlines)
              (i32.popcnt (i32.and (local.get $nl) (i32.sub (i32.shl (i32.const 1) (local.get $k)) (i32.const 1))))))
            (return (local.get $k))))
        (local.set $hits (i32.and (local.get $hits) (i32.sub (local.get $hits) (i32.const 1))))
        (br $candidate)))
    (global.set $newlines (i32.add (global.get $newlines) (i32.popcnt (local.get $nl))))
    (i32.const 16))

  ;; First candidate in [p, end), or end; newlines before it are added to $newlines.
  ;; The caller keeps 64 readable bytes after end (the next bytes of the file, or zeros at its end).
  (func (export "find") (param $p i32) (param $end i32) (result i32)
    (local $acc v128) (local $blocks i32) (local $k i32)
    (local $x v128) (local $y v128) (local $ma v128) (local $mb v128) (local $nla v128) (local $nlb v128)
    (local $lo0 v128) (local $hi0 v128) (local $lo2 v128) (local $hi2 v128) (local $low v128) (local $newline v128)
    ;; Constants live in locals so the loop does not rebuild them each turn.
    (local.set $lo0 (v128.load (i32.const 0)))
    (local.set $hi0 (v128.load (i32.const 16)))
    (local.set $lo2 (v128.load (i32.const 64)))
    (local.set $hi2 (v128.load (i32.const 80)))
    (local.set $low (v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f))
    (local.set $newline (v128.const i32x4 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a 0x0a0a0a0a))
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 32)) (local.get $end)))
        ;; Two blocks per turn, each through a cheaper $matches (needle bytes 0 and 2; $block checks all three).
        (local.set $x (v128.load align=1 (local.get $p)))
        (local.set $y (v128.load offset=2 align=1 (local.get $p)))
        (local.set $ma
          (v128.and
            (v128.and
              (i8x16.swizzle (local.get $lo0) (v128.and (local.get $x) (local.get $low)))
              (i8x16.swizzle (local.get $hi0) (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $low))))
            (v128.and
              (i8x16.swizzle (local.get $lo2) (v128.and (local.get $y) (local.get $low)))
              (i8x16.swizzle (local.get $hi2) (v128.and (i16x8.shr_u (local.get $y) (i32.const 4)) (local.get $low))))))
        (local.set $nla (i8x16.eq (local.get $x) (local.get $newline)))
        (local.set $x (v128.load offset=16 align=1 (local.get $p)))
        (local.set $y (v128.load offset=18 align=1 (local.get $p)))
        (local.set $mb
          (v128.and
            (v128.and
              (i8x16.swizzle (local.get $lo0) (v128.and (local.get $x) (local.get $low)))
              (i8x16.swizzle (local.get $hi0) (v128.and (i16x8.shr_u (local.get $x) (i32.const 4)) (local.get $low))))
            (v128.and
              (i8x16.swizzle (local.get $lo2) (v128.and (local.get $y) (local.get $low)))
              (i8x16.swizzle (local.get $hi2) (v128.and (i16x8.shr_u (local.get $y) (i32.const 4)) (local.get $low))))))
        (local.set $nlb (i8x16.eq (local.get $x) (local.get $newline)))
        (if (v128.any_true (v128.or (local.get $ma) (local.get $mb)))
          (then
            (global.set $newlines (i32.add (global.get $newlines) (call $sum (local.get $acc))))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $blocks (i32.const 0))
            (local.set $k (call $block (local.get $p) (i32.const 0xffff)))
            (if (i32.lt_u (local.get $k) (i32.const 16)) (then (return (i32.add (local.get $p) (local.get $k)))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $next)))
        ;; Newlines pile up per lane (eq gives -1) and are summed before a lane could pass 255.
        (local.set $acc (i8x16.sub (i8x16.sub (local.get $acc) (local.get $nla)) (local.get $nlb)))
        (local.set $blocks (i32.add (local.get $blocks) (i32.const 2)))
        (if (i32.ge_u (local.get $blocks) (i32.const 254))
          (then
            (global.set $newlines (i32.add (global.get $newlines) (call $sum (local.get $acc))))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $blocks (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 32)))
        (br $next)))
    (global.set $newlines (i32.add (global.get $newlines) (call $sum (local.get $acc))))
    ;; Whole blocks left over, then the last partial one: only bytes before end count.
    (block $whole
      (loop $more
        (br_if $whole (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (local.set $k (call $block (local.get $p) (i32.const 0xffff)))
        (if (i32.lt_u (local.get $k) (i32.const 16)) (then (return (i32.add (local.get $p) (local.get $k)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $more)))
    ;; The last, partial block: only its bytes before end count.
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $k (call $block (local.get $p) (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $end) (local.get $p))) (i32.const 1))))
        (if (i32.lt_u (local.get $k) (i32.const 16)) (then (return (i32.add (local.get $p) (local.get $k)))))))
    (local.get $end))
)

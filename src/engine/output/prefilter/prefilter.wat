;; The fast scan's byte prefilter: 16 bytes at a time (WebAssembly SIMD), it counts newlines and stops at
;; the first place a training log could say something non-finite. Build: `node src/engine/output/prefilter/build.mjs` (wat2wasm from wabt).
;;
;; Candidates, compared case-insensitively (byte | 0x20):
;;   "nan", "inf"  as whole tokens: the byte before is not [A-Za-z0-9_], the byte after is not [A-Za-z0-9_]
;;                 ("inf" may be followed by "i": Infinity)
;;   "rfl"  (overflow)   "nim" (minimum loss scale)   "gpo" (FloatingPointError)   "nva" (Invalid loss)
(module
  (memory (export "memory") 40)
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

  ;; Whether the 3 bytes at p (already known to match a needle) make a real candidate.
  (func $accept (param $p i32) (param $start i32) (result i32)
    (local $c0 i32) (local $c1 i32) (local $after i32)
    (local.set $c0 (i32.or (i32.load8_u (local.get $p)) (i32.const 0x20)))
    (local.set $c1 (i32.or (i32.load8_u offset=1 (local.get $p)) (i32.const 0x20)))
    ;; "nan" or "inf": whole tokens only
    (if (i32.or
          (i32.and (i32.eq (local.get $c0) (i32.const 0x6e)) (i32.eq (local.get $c1) (i32.const 0x61)))
          (i32.and (i32.eq (local.get $c0) (i32.const 0x69)) (i32.eq (local.get $c1) (i32.const 0x6e))))
      (then
        (if (i32.gt_u (local.get $p) (local.get $start))
          (then (if (call $word (i32.load8_u (i32.sub (local.get $p) (i32.const 1)))) (then (return (i32.const 0))))))
        (local.set $after (i32.load8_u offset=3 (local.get $p)))
        (if (i32.and (i32.eq (local.get $c0) (i32.const 0x69)) (i32.eq (i32.or (local.get $after) (i32.const 0x20)) (i32.const 0x69)))
          (then (return (i32.const 1))))
        (return (i32.eqz (call $word (local.get $after))))))
    (i32.const 1))

  ;; First candidate in [p, end), or end. Adds the newlines before it to $newlines.
  ;; The caller keeps 16 readable bytes after end (the next bytes of the file, or zeros at its end).
  (func (export "find") (param $p i32) (param $end i32) (result i32)
    (local $hits i32) (local $nl i32) (local $k i32) (local $keep i32)
    (local $raw v128) (local $v0 v128) (local $v1 v128) (local $v2 v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $raw (v128.load align=1 (local.get $p)))
        (local.set $v0 (v128.or (local.get $raw) (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
        (local.set $v1 (v128.or (v128.load offset=1 align=1 (local.get $p)) (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
        (local.set $v2 (v128.or (v128.load offset=2 align=1 (local.get $p)) (v128.const i32x4 0x20202020 0x20202020 0x20202020 0x20202020)))
        (local.set $hits (i8x16.bitmask
          (v128.or
            (v128.or
              (v128.or
                ;; nan
                (v128.and (v128.and (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x6e))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x61)))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x6e))))
                ;; inf
                (v128.and (v128.and (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x69))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x6e)))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x66)))))
              (v128.or
                ;; rfl
                (v128.and (v128.and (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x72))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x66)))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x6c))))
                ;; nim
                (v128.and (v128.and (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x6e))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x69)))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x6d))))))
            (v128.or
              ;; gpo
              (v128.and (v128.and (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x67))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x70)))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x6f))))
              ;; nva
              (v128.and (v128.and (i8x16.eq (local.get $v0) (i8x16.splat (i32.const 0x6e))) (i8x16.eq (local.get $v1) (i8x16.splat (i32.const 0x76)))) (i8x16.eq (local.get $v2) (i8x16.splat (i32.const 0x61))))))))
        (local.set $nl (i8x16.bitmask (i8x16.eq (local.get $raw) (i8x16.splat (i32.const 0x0a)))))
        ;; The last block may reach past end: those bytes belong to the next call.
        (if (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end))
          (then
            (local.set $keep (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $end) (local.get $p))) (i32.const 1)))
            (local.set $hits (i32.and (local.get $hits) (local.get $keep)))
            (local.set $nl (i32.and (local.get $nl) (local.get $keep)))))
        (block $none
          (loop $candidate
            (br_if $none (i32.eqz (local.get $hits)))
            (local.set $k (i32.ctz (local.get $hits)))
            (if (call $accept (i32.add (local.get $p) (local.get $k)) (i32.const 0))
              (then
                (global.set $newlines (i32.add (global.get $newlines)
                  (i32.popcnt (i32.and (local.get $nl) (i32.sub (i32.shl (i32.const 1) (local.get $k)) (i32.const 1))))))
                (return (i32.add (local.get $p) (local.get $k)))))
            (local.set $hits (i32.and (local.get $hits) (i32.sub (local.get $hits) (i32.const 1))))
            (br $candidate)))
        (global.set $newlines (i32.add (global.get $newlines) (i32.popcnt (local.get $nl))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.get $end))
)

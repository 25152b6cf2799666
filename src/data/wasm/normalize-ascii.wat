;; The inner loop of normalizeAscii (row-text.ts): ASCII text normalised in place a word at a
;; time and each word hashed (FNV-1a over its lower-case bytes), in WebAssembly because V8's
;; code for the same loop runs about 1.6x slower. Memory, laid out by row-text.ts:
;;   [0, 256)    per byte: its lower-case form when it belongs to words, else 0
;;   [256, 512)  per byte: 1 when JSON escapes it, else 0
;;   then the text, and the hashes (i32, little-endian) where the caller says.
(module
  (memory (export "memory") 1)
  ;; Words hashed by the last call.
  (global $words (export "words") (mut i32) (i32.const 0))
  ;; 1 once a call has met a byte that JSON escapes; the caller resets it.
  (global $escaped (export "escaped") (mut i32) (i32.const 0))
  ;; Normalises [start, end) in place, writes each word's hash from `hashes` on, and returns
  ;; where the normalised text ends: words joined by single spaces, none at either end.
  (func (export "normalize") (param $start i32) (param $end i32) (param $hashes i32) (result i32)
    (local $j i32) (local $q i32) (local $h i32) (local $b i32) (local $c i32) (local $hash i32) (local $esc i32)
    (local.set $j (local.get $start))
    (local.set $q (local.get $start))
    (local.set $h (local.get $hashes))
    (local.set $esc (global.get $escaped))
    (block $done
      (loop $outer
        ;; Bytes that are not words are left out (and looked at for escapes).
        (loop $skip
          (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
          (local.set $b (i32.load8_u (local.get $j)))
          (local.set $c (i32.load8_u (local.get $b)))
          (if (i32.eqz (local.get $c))
            (then
              (local.set $esc (i32.or (local.get $esc) (i32.load8_u offset=256 (local.get $b))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $skip))))
        ;; A space before every word but the first.
        (if (i32.gt_u (local.get $q) (local.get $start))
          (then
            (i32.store8 (local.get $q) (i32.const 32))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))))
        (local.set $hash (i32.const 0x811c9dc5))
        (block $wordEnd
          (loop $word
            (i32.store8 (local.get $q) (local.get $c))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (local.set $hash (i32.mul (i32.xor (local.get $hash) (local.get $c)) (i32.const 0x01000193)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $wordEnd (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $c (i32.load8_u (i32.load8_u (local.get $j))))
            (br_if $word (local.get $c))))
        (i32.store (local.get $h) (local.get $hash))
        (local.set $h (i32.add (local.get $h) (i32.const 4)))
        (br $outer)))
    (global.set $words (i32.shr_u (i32.sub (local.get $h) (local.get $hashes)) (i32.const 2)))
    (global.set $escaped (local.get $esc))
    (local.get $q)))

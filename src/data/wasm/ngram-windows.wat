;; The window loop of decontamination (decontaminate.ts, bestMatch) over the word hashes that
;; normalize-ascii.wat wrote: the rolling hash of every n-word window, checked against the
;; benchmark's coarse filter and then its bitmap, both copied into this memory. Writes the
;; windows that pass both (the candidates, about 0.2% of them) as i32 word numbers to `out` and
;; returns how many. The same arithmetic as bestMatch, in the same order, so the same windows pass.
(module
  (import "normalize" "memory" (memory 1))
  (func (export "windows")
    (param $hashes i32) (param $words i32) (param $n i32)
    (param $coarse i32) (param $coarseWords i32) (param $bits i32) (param $mask i32) (param $out i32)
    (result i32)
    (local $top i32) (local $hash i32) (local $w i32) (local $j i32) (local $mixed i32) (local $pair i32)
    (local $bit i32) (local $x i32) (local $found i32)
    (if (i32.lt_u (local.get $words) (local.get $n)) (then (return (i32.const 0))))
    ;; BASE^(n-1), the weight of the word that leaves a window, and the first window's hash.
    (local.set $top (i32.const 1))
    (local.set $j (i32.const 1))
    (block $done (loop $powers
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $top (i32.mul (local.get $top) (i32.const 0x5bd1e995)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $powers)))
    (local.set $j (i32.const 0))
    (block $done (loop $first
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $hash (i32.add
        (i32.mul (local.get $hash) (i32.const 0x5bd1e995))
        (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $j) (i32.const 2))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $first)))
    (local.set $w (i32.const 0))
    (block $end (loop $window
      (if (i32.gt_u (local.get $w) (i32.const 0))
        (then
          ;; hash = (hash - wordHash[w-1] * top) * BASE + wordHash[w-1+n]
          (local.set $hash (i32.add
            (i32.mul
              (i32.sub (local.get $hash)
                (i32.mul (i32.load (i32.add (local.get $hashes) (i32.shl (i32.sub (local.get $w) (i32.const 1)) (i32.const 2))))
                  (local.get $top)))
              (i32.const 0x5bd1e995))
            (i32.load (i32.add (local.get $hashes)
              (i32.shl (i32.add (i32.sub (local.get $w) (i32.const 1)) (local.get $n)) (i32.const 2))))))))
      (block $next
        ;; The coarse filter: two bits of one word, picked by the hash mixed.
        (local.set $mixed (i32.mul (i32.xor (local.get $hash) (i32.shr_u (local.get $hash) (i32.const 13))) (i32.const 0x2c1b3c6d)))
        (local.set $pair (i32.or
          (i32.shl (i32.const 1) (local.get $mixed))
          (i32.shl (i32.const 1) (i32.shr_u (local.get $mixed) (i32.const 5)))))
        (br_if $next (i32.ne
          (i32.and
            (i32.load (i32.add (local.get $coarse)
              (i32.shl (i32.and (i32.shr_u (local.get $mixed) (i32.const 10)) (local.get $coarseWords)) (i32.const 2))))
            (local.get $pair))
          (local.get $pair)))
        ;; The bitmap: the hash's bit, then its second bit.
        (local.set $bit (i32.and (local.get $hash) (local.get $mask)))
        (br_if $next (i32.eqz (i32.and
          (i32.load (i32.add (local.get $bits) (i32.shl (i32.shr_u (local.get $bit) (i32.const 5)) (i32.const 2))))
          (i32.shl (i32.const 1) (local.get $bit)))))
        (local.set $x (i32.mul (i32.xor (local.get $hash) (i32.shr_u (local.get $hash) (i32.const 16))) (i32.const 0x45d9f3b)))
        (local.set $bit (i32.and (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 13))) (local.get $mask)))
        (br_if $next (i32.eqz (i32.and
          (i32.load (i32.add (local.get $bits) (i32.shl (i32.shr_u (local.get $bit) (i32.const 5)) (i32.const 2))))
          (i32.shl (i32.const 1) (local.get $bit)))))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $found) (i32.const 2))) (local.get $w))
        (local.set $found (i32.add (local.get $found) (i32.const 1))))
      (local.set $w (i32.add (local.get $w) (i32.const 1)))
      (br_if $window (i32.le_u (i32.add (local.get $w) (local.get $n)) (local.get $words)))))
    (local.get $found)))

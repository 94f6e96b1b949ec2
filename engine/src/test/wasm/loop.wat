;; Spins forever: for timeout and runner-kill tests.
(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $l (br $l))))

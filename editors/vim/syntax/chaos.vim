" Vim syntax file for the .chaos language (chaosc). Keywords, units and diagnostics
" follow docs/language.md; `chaosc check --format short` works with :make (see
" editors/README.md).
if exists("b:current_syntax")
  finish
endif

syn keyword chaosItem import as param const service target probe fault template scenario suite environment safety slo
syn keyword chaosEntry timeline at then after for within recover baseline steady_state abort when over warn during description tags scenarios allow confirm cooldown max_duration
syn keyword chaosContextual checks allow_targets set
syn keyword chaosBoolean true false
syn keyword chaosType int float string bool duration percent size rate bandwidth container proxy process interface
syn keyword chaosMetric availability error_rate latency latency_degradation mttr recovery_time consecutive_failures requests
syn keyword chaosWindow chaos recovery run

syn match chaosQuantity "\v-?\d[0-9_]*(\.\d[0-9_]*)?(ns|us|ms|s|m|h|\%|B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|\/s|\/m|bps|Kbps|Mbps|Gbps|B\/s|KB\/s|MB\/s|GB\/s|KiB\/s|MiB\/s|GiB\/s)(\d[0-9_]*(ns|us|ms|s|m|h))*"
syn match chaosNumber "\v<-?\d[0-9_]*(\.\d[0-9_]*)?>"
syn match chaosRange "\v-?\d[0-9_]*\.\.-?\d[0-9_]*"
syn match chaosPercentile "\v<p\d+(\.\d+)?>"

syn match chaosEscape contained "\v\\([\"\\nt$]|u\{\x{1,6}\})"
syn region chaosInterpolation contained start="\${" end="}"
syn region chaosString start=+"+ skip=+\\\\\|\\"+ end=+"+ contains=chaosEscape,chaosInterpolation

syn match chaosDoc "///.*$"
syn match chaosComment "//\([^/].*\)\?$"
syn region chaosBlockComment start="/\*" end="\*/" contains=chaosBlockComment

hi def link chaosItem Keyword
hi def link chaosEntry Statement
hi def link chaosContextual Statement
hi def link chaosBoolean Boolean
hi def link chaosType Type
hi def link chaosMetric Function
hi def link chaosWindow Constant
hi def link chaosQuantity Number
hi def link chaosNumber Number
hi def link chaosRange Number
hi def link chaosPercentile Number
hi def link chaosString String
hi def link chaosEscape SpecialChar
hi def link chaosInterpolation Identifier
hi def link chaosDoc SpecialComment
hi def link chaosComment Comment
hi def link chaosBlockComment Comment

let b:current_syntax = "chaos"

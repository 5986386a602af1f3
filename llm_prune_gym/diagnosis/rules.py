"""The order the rules are tried in, per exception: the first rule that fires wins, so
this table decides which diagnosis a program gets where several could."""

from __future__ import annotations

from .attributes import (
    _attribute_never_set,
    _attribute_typo,
    _dict_loop_keys,
    _foreign_method,
    _index_as_item,
    _length_attribute,
    _wrong_type_method,
)
from .calls import (
    _argument_count,
    _called_on_class,
    _function_not_called,
    _init_misspelt,
    _method_hidden,
    _missing_comma,
    _missing_self,
    _not_callable,
)
from .indexing import (
    _index_past_end,
    _key_case,
    _key_never_stored,
    _key_not_in_dict,
    _key_of_wrong_type,
    _random_index,
)
from .loops import _dict_changed_in_loop, _endless_while, _recursion_through_self, _same_arguments
from .modules import (
    _import_name_typo,
    _module_attribute_typo,
    _module_misspelt,
    _module_not_imported,
    _name_not_imported,
)
from .names import (
    _defined_later,
    _global_assigned_locally,
    _local_misspelt,
    _lowercase_constant,
    _misspelt_name,
    _only_in_function,
    _python2_name,
    _self_attribute,
    _set_only_in_branches,
)
from .returns import _ends_without_return, _none_used, _str_method_result, _unpack_one_value
from .syntax import (
    _assign_in_condition,
    _block_not_indented,
    _bracket_never_closed,
    _mismatched_bracket,
    _missing_colon,
    _print_statement,
    _tabs_and_spaces,
    _unexpected_indent,
    _unindent_mismatch,
    _unterminated_string,
)
from .values import (
    _format_code,
    _item_not_in_list,
    _unpack_count,
    _unreadable_number,
    _zero_divisor,
)
from .wrong_types import (
    _dict_of_input_text,
    _float_from_division,
    _format_count,
    _item_assignment,
    _join_numbers,
    _number_as_sequence,
    _number_joined_to_text,
    _range_counter_joined,
    _text_from_input,
    _text_one_step,
    _unhashable_list,
)

# A program that does not parse (SyntaxError, IndentationError, TabError): every rule.
_SYNTAX_RULES = (
    _assign_in_condition,
    _mismatched_bracket,
    _missing_colon,
    _bracket_never_closed,
    _unterminated_string,
    _print_statement,
    _block_not_indented,
    _unexpected_indent,
    _unindent_mismatch,
    _tabs_and_spaces,
)


# A program that runs and fails: the rules of its exception, tried in this order.
_RULES = {
    "NameError": (
        _defined_later,
        _only_in_function,
        _set_only_in_branches,
        _module_not_imported,
        _self_attribute,
        _misspelt_name,
        _python2_name,
        _lowercase_constant,
        _name_not_imported,
    ),
    "UnboundLocalError": (_local_misspelt, _global_assigned_locally, _set_only_in_branches),
    "TypeError": (
        _format_count,
        _text_from_input,
        _dict_of_input_text,
        _text_one_step,
        _item_assignment,
        _str_method_result,
        _unpack_one_value,
        _unhashable_list,
        _number_as_sequence,
        _join_numbers,
        _float_from_division,
        _function_not_called,
        _number_joined_to_text,
        _range_counter_joined,
        _none_used,
        _missing_comma,
        _method_hidden,
        _not_callable,
        _missing_self,
        _called_on_class,
        _init_misspelt,
        _argument_count,
        _ends_without_return,
    ),
    "AttributeError": (
        _none_used,
        _function_not_called,
        _length_attribute,
        _dict_loop_keys,
        _index_as_item,
        _wrong_type_method,
        _attribute_typo,
        _attribute_never_set,
        _module_attribute_typo,
        _python2_name,
        _foreign_method,
    ),
    "IndexError": (_index_past_end, _random_index),
    "ZeroDivisionError": (_zero_divisor,),
    "ValueError": (_unreadable_number, _unpack_count, _format_code, _item_not_in_list),
    "ModuleNotFoundError": (_module_misspelt,),
    "ImportError": (_import_name_typo,),
    "RuntimeError": (_dict_changed_in_loop,),
    "KeyError": (_key_not_in_dict, _key_never_stored, _key_of_wrong_type, _key_case),
    "KeyboardInterrupt": (_endless_while,),
    "RecursionError": (_same_arguments, _recursion_through_self),
}

# moto_server 5.2.1 with Step Functions execution on, and small patches for defects of moto's own that the
# end-to-end suite meets. Each patch works around moto, never mcpflow: the product code runs unchanged against it.
# Usage: python3 moto_server_patched.py -H 127.0.0.1 -p <port>; MCPFLOW_E2E_LAMBDA_SPOOL=<dir> receives the
# payloads of Lambda invocations the interpreter makes (see patch 6).
import copy
import datetime
import functools
import json
import os
import re
import sys
import uuid

import moto

if moto.__version__ != "5.2.1":
    # The patches replace moto internals by name; another version may have fixed or moved them.
    sys.stderr.write(f"moto_server_patched.py targets moto 5.2.1, found {moto.__version__}\n")
    sys.exit(3)

from botocore.session import get_session  # noqa: E402
from moto.core.config import default_user_config  # noqa: E402
from moto.ec2.models.elastic_network_interfaces import NetworkInterface  # noqa: E402
from moto.stepfunctions.models import StateMachine  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs import (  # noqa: E402
    StateTaskServiceEcs,
)
from moto.stepfunctions.parser.asl.component.common.path import result_path  # noqa: E402
from moto.stepfunctions.parser.asl.utils import json_path  # noqa: E402
from moto.stepfunctions.parser.api import (  # noqa: E402
    ExecutionStatus,
    InvalidToken,
    SendTaskFailureOutput,
    TaskDoesNotExist,
    TaskTimedOut,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import (  # noqa: E402
    CallbackConsumerTimeout,
    CallbackNotifyConsumerError,
    CallbackOutcomeFailure,
)
from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication, Execution  # noqa: E402
from moto.stepfunctions.parser.models import StepFunctionsParserBackend  # noqa: E402
from moto.stepfunctions.parser.utils import camel_to_snake_case  # noqa: E402

# Execution on: the same as POST /moto-api/config {"stepfunctions":{"execute_state_machine":true}}, set before the
# first request so that every state machine lives in the executing backend.
default_user_config["stepfunctions"] = {"execute_state_machine": True}


# 1. ECS integration: ASL passes RunTask's parameters in PascalCase (Cluster, TaskDefinition, Overrides...) and
#    Step Functions turns them into the API's own member names. LocalStack does that in _normalise_parameters /
#    _normalise_response from botocore's shapes; moto's copy of the interpreter left both empty, so boto3 receives
#    `Cluster=` and fails (States.Runtime: 'Cluster'), and the RunTask answer is read as `Tasks`/`TaskArn` after.
def _operation_model(service, action):
    model = get_session().get_service_model(service)
    for name in model.operation_names:
        if camel_to_snake_case(name) == action:
            return model.operation_model(name)
    return None


def _ecs_normalise_parameters(self, parameters, boto_service_name=None, service_action_name=None):
    operation = _operation_model(
        self._get_boto_service_name(boto_service_name), self._get_boto_service_action(service_action_name)
    )
    if operation is not None and operation.input_shape is not None:
        self._to_boto_request(parameters, operation.input_shape)


def _ecs_normalise_response(self, response, boto_service_name=None, service_action_name=None):
    operation = _operation_model(
        self._get_boto_service_name(boto_service_name), self._get_boto_service_action(service_action_name)
    )
    if operation is not None and operation.output_shape is not None:
        self._from_boto_response(response, operation.output_shape)


StateTaskServiceEcs._normalise_parameters = _ecs_normalise_parameters
StateTaskServiceEcs._normalise_response = _ecs_normalise_response


# 2. StartExecution deep-copies the state machine, which holds the backend; once one execution runs, the backend
#    holds its worker threads and locks, and every later StartExecution fails with
#    "cannot pickle '_thread.RLock' object". The copy shares the backend and starts with no executions of its own.
def _state_machine_deepcopy(self, memo):
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        if key == "backend":
            clone.backend = value
        elif key == "executions":
            clone.executions = []
        else:
            setattr(clone, key, copy.deepcopy(value, memo))
    return clone


StateMachine.__deepcopy__ = _state_machine_deepcopy


# 3. A definite JSONPath with an array index before a field, such as `$[1].steps` (each Parallel branch's state),
#    answers a one-element list in moto (its own rule for getmoto/moto#7825), where AWS answers the value; so
#    States.JsonMerge($[0].steps, $[1].steps, false) receives lists and fails. A path without wildcard, slice,
#    filter, union or recursive descent selects one value on AWS; only such paths are changed.
_INDEFINITE_PATH = re.compile(r"\*|\?\(|\.\.|:|,")
_original_extract_json = json_path.extract_json


def _extract_json(path, data):
    if _INDEFINITE_PATH.search(path):
        return _original_extract_json(path, data)
    matches = json_path.parse(path).find(data)
    if not matches:
        raise json_path.NoSuchJsonPathError(json_path=path, data=data)
    return matches[0].value


json_path.extract_json = _extract_json

# Not a defect, a cost: jsonpath_ng's parse() builds a new PLY parser on every call (about 90 ms here), and the
# interpreter parses every path of every state each time it evaluates it. Parsed paths are immutable; reuse them.
json_path.parse = functools.lru_cache(maxsize=4096)(json_path.parse)
result_path.parse = functools.lru_cache(maxsize=4096)(result_path.parse)
# Modules that imported the function by name before this ran (none at the time of writing, but be sure).
for _module in list(sys.modules.values()):
    if getattr(_module, "extract_json", None) is _original_extract_json:
        _module.extract_json = _extract_json


# 4. StartExecution on a version ARN (`...:stateMachine:name:3`) answers HTTP 500 in moto (a version has no
#    executions of its own), and on an alias ARN (`...:live`) "does not exist". Real Step Functions runs the
#    version's definition (the alias's, by its routing) and lists the execution under the state machine.
_original_start_execution = StepFunctionsParserBackend.start_execution


def _qualified_version(backend, arn):
    base, _, qualifier = arn.rpartition(":")
    source = next((sm for sm in backend.state_machines if sm.arn == base), None)
    if source is None:
        return None, None
    if qualifier.isdigit():
        return source, source.versions.get(int(qualifier))
    alias = source.aliases.get(qualifier)
    if alias is None:
        return source, None
    route = max(alias.routing_configuration, key=lambda r: r.get("weight", 0))
    return source, source.versions.get(int(route["stateMachineVersionArn"].rsplit(":", 1)[1]))


def _start_execution(self, state_machine_arn, name=None, execution_input=None, trace_header=None):
    source, version = _qualified_version(self, state_machine_arn)
    if version is None:
        return _original_start_execution(self, state_machine_arn, name, execution_input, trace_header)
    existing = source._handle_name_input_idempotency(name, execution_input)
    if existing is not None:
        return existing
    input_data = "{}" if execution_input is None else execution_input
    json.loads(input_data)
    execution = Execution(
        name=name,
        sm_type=source.sm_type,
        role_arn=version.roleArn,
        exec_arn=f"arn:{self.partition}:states:{self.region_name}:{self.account_id}:execution:{source.name}:{name}",
        account_id=self.account_id,
        region_name=self.region_name,
        state_machine=copy.deepcopy(version),
        start_date=datetime.datetime.now(tz=datetime.timezone.utc),
        cloud_watch_logging_session=None,
        input_data=input_data,
        trace_header=trace_header,
        activity_store={},
    )
    source.executions.append(execution)
    execution.start()
    return execution


StepFunctionsParserBackend.start_execution = _start_execution


# 5. awsvpc RunTask reads the network interface's private DNS name, which moto sets only when the VPC has DNS
#    hostnames enabled; otherwise RunTask fails with an AttributeError (HTTP 500). The CDK VPC enables them, and
#    the suite creates its VPC the same way; this default keeps any other VPC from failing with a 500.
NetworkInterface.private_dns_name = None


# 6. Lambda: moto runs Lambda code only in Docker, which this machine does not have. The interpreter's invoke of
#    the remote invoker (lambda:invoke.waitForTaskToken) is spooled instead: one JSON file per invocation, which
#    the test picks up and hands to the real handler, as Lambda would. The task token in the payload carries the
#    outcome back; the invoke itself answers as an asynchronous Lambda accepts an event.
_spool = os.environ.get("MCPFLOW_E2E_LAMBDA_SPOOL")


def _spooled_invoke(parameters, region, state_credentials):
    if not _spool:
        raise RuntimeError("no MCPFLOW_E2E_LAMBDA_SPOOL: this moto cannot run Lambda functions")
    payload = parameters.get("Payload")
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    record = {"functionName": parameters.get("FunctionName"), "payload": json.loads(payload or "{}")}
    name = f"{datetime.datetime.now(tz=datetime.timezone.utc).strftime('%Y%m%dT%H%M%S%f')}-{uuid.uuid4().hex}"
    partial = os.path.join(_spool, f".{name}.tmp")
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    os.rename(partial, os.path.join(_spool, f"{name}.json"))  # whole files only: the reader never sees a partial one
    return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": {}}


lambda_eval_utils._invoke_lambda_function = _spooled_invoke


# 7. StopExecution while a Task waits for its token leaves the execution RUNNING until the wait ends, and then the
#    state's timeout (set_error overwrites the stop) makes it FAILED with States.Timeout. On AWS the execution is
#    ABORTED at once, and its task tokens stop working. The stop is reflected immediately, kept, and the waits
#    are woken so the worker thread ends.
_original_stop = Execution.stop
_original_reflect = BaseExecutionWorkerCommunication._reflect_execution_status


def _stop(self, stop_date, error, cause):
    if self.exec_status != ExecutionStatus.RUNNING:
        return
    _original_stop(self, stop_date, error, cause)
    self.exec_status = ExecutionStatus.ABORTED
    self.stop_date = stop_date
    env = self.exec_worker.env if self.exec_worker else None
    if env is not None:
        for endpoint in list(env.callback_pool_manager._pool.values()):
            endpoint.interrupt_all()


def _reflect_execution_status(self):
    if self.execution.exec_status == ExecutionStatus.ABORTED:
        return
    _original_reflect(self)


Execution.stop = _stop
BaseExecutionWorkerCommunication._reflect_execution_status = _reflect_execution_status


# 8. SendTaskFailure looks for the token among all executions, ended ones included, and accepts a report for a
#    stopped execution; SendTaskSuccess and SendTaskHeartbeat look among running ones only. On AWS a token of an
#    ended execution is refused either way, so failure reports take the same path as the others.
def _send_task_failure(self, task_token, error=None, cause=None):
    outcome = CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause)
    for execution in self._get_executions(ExecutionStatus.RUNNING):
        try:
            if execution.exec_worker.env.callback_pool_manager.notify(callback_id=task_token, outcome=outcome):
                return SendTaskFailureOutput()
        except CallbackNotifyConsumerError as consumer_error:
            if isinstance(consumer_error, CallbackConsumerTimeout):
                raise TaskTimedOut()
            raise TaskDoesNotExist()
    raise InvalidToken()


StepFunctionsParserBackend.send_task_failure = _send_task_failure


if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])

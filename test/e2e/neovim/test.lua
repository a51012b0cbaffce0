-- Neovim (0.7+, headless) as a second real client of the language server, on a copy of test/e2e/fixture.
-- Run by scripts/e2e/neovim.mjs:  nvim --headless --clean -n -c 'luafile test.lua' pods/denied.yaml
-- It reads the diagnostics neovim received, asks for a hover and the code actions, applies the preferred
-- rewrite, checks the buffer, and waits for the diagnostic to clear. Results go to stdout (print() goes to
-- stderr without newlines in headless mode); a vim.defer_fn timeout bounds the whole run.
local server = assert(os.getenv('TI_SERVER'), 'TI_SERVER: the path of dist/server.js')
local TRUSTED = '071460744267.dkr.ecr.us-east-1.amazonaws.com/test/snyk'
local passed, failed = 0, 0
local finished = false

local function out(s)
  io.stdout:write(s .. '\n')
  io.stdout:flush()
end

local function check(name, ok, detail)
  if ok then
    passed = passed + 1
    out('ok - ' .. name)
  else
    failed = failed + 1
    out('not ok - ' .. name .. (detail and (': ' .. detail) or ''))
  end
  return ok
end

local function finish()
  if finished then return end
  finished = true
  out(string.format('neovim: %d passed, %d failed', passed, failed))
  vim.cmd(failed == 0 and 'qall!' or 'cquit 1')
end

vim.defer_fn(function()
  if finished then return end
  check('finished within the time limit', false, 'timed out; diagnostics: ' .. vim.inspect(vim.diagnostic.get(0)))
  finish()
end, tonumber(os.getenv('TI_TIMEOUT_MS') or '30000'))

local bufnr = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_bufnr(bufnr)
local root = vim.fn.getcwd()
local web_uri = vim.uri_from_fname(root .. '/workloads/web.yaml')
local raw = {} -- uri -> the last LSP diagnostics published for it
local step = 'diagnostics'
local client_id

local function code_of(d)
  if d.code ~= nil then return d.code end
  return d.user_data and d.user_data.lsp and d.user_data.lsp.code
end

local function apply(action, client)
  if action.edit then
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  end
  if action.command then
    client.request('workspace/executeCommand', action.command, function() end, bufnr)
  end
  local line = vim.api.nvim_buf_get_lines(bufnr, 8, 9, false)[1]
  check('the preferred rewrite is applied to the buffer', line == '      image: ' .. TRUSTED .. '/dockerhub/library/nginx:1.25', line)
  step = 'cleared'
end

local function on_actions(err, actions, client)
  if not check('textDocument/codeAction answers', err == nil and type(actions) == 'table', vim.inspect(err)) then return finish() end
  local titles = {}
  local preferred
  for _, a in ipairs(actions) do
    table.insert(titles, a.title)
    if a.isPreferred and a.title:find('^Use ') then preferred = preferred or a end
  end
  check('the code actions offer the rewrites, fix-all and allow', vim.tbl_contains(titles, 'Use ' .. TRUSTED .. '/dockerhub/library/nginx:1.25')
    and vim.tbl_contains(titles, 'Fix all untrusted images in this file')
    and vim.tbl_contains(titles, 'Allow `nginx:` in constraint repo-is-openpolicyagent'), table.concat(titles, ' | '))
  if not check('the preferred action is a Use rewrite', preferred ~= nil) then return finish() end
  if preferred.edit == nil and preferred.data ~= nil then
    client.request('codeAction/resolve', preferred, function(e, resolved)
      if check('codeAction/resolve answers', e == nil and resolved ~= nil, vim.inspect(e)) then apply(resolved, client) else finish() end
    end, bufnr)
  else
    apply(preferred, client)
  end
end

local function on_diagnostics()
  local ds = vim.diagnostic.get(bufnr)
  check('neovim received one diagnostic for the open file', #ds == 1, vim.inspect(ds))
  local d = ds[1] or {}
  check('at line 9, column 14 (0-based 8:13), an error', d.lnum == 8 and d.col == 13 and d.end_col == 23 and d.severity == vim.diagnostic.severity.ERROR, vim.inspect(d))
  check('message, source and code', d.message == 'Invalid image repo: <nginx:1.25>, allowed repos are ["' .. TRUSTED .. '"]'
    and d.source == 'trusted-images' and code_of(d) == 'repo-is-openpolicyagent', vim.inspect(d))
  local client = vim.lsp.get_client_by_id(client_id)
  local lsp_diag = raw[uri][1]
  client.request('textDocument/hover', { textDocument = { uri = uri }, position = { line = 8, character = 16 } }, function(err, hover)
    local value = hover and hover.contents and (hover.contents.value or hover.contents) or ''
    check('hover names the deciding constraint', err == nil and type(value) == 'string' and value:find('REFUSED: **K8sAllowedRepos repo-is-openpolicyagent** (deny)', 1, true) ~= nil, vim.inspect(hover))
    client.request('textDocument/codeAction', {
      textDocument = { uri = uri },
      range = lsp_diag.range,
      context = { diagnostics = { lsp_diag } },
    }, function(e, actions) on_actions(e, actions, client) end, bufnr)
  end, bufnr)
end

local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
local handlers = {
  ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
    publish(err, result, ctx, config)
    raw[result.uri] = result.diagnostics
    if result.uri ~= uri then return end
    vim.schedule(function()
      if step == 'diagnostics' and #result.diagnostics > 0 then
        step = 'actions'
        on_diagnostics()
      elseif step == 'cleared' and #result.diagnostics == 0 then
        step = 'done'
        check('the diagnostic clears after the edit', #vim.diagnostic.get(bufnr) == 0)
        check('a file never opened got its diagnostic too (workloads/web.yaml)', raw[web_uri] ~= nil and #raw[web_uri] == 1, vim.inspect(raw[web_uri]))
        finish()
      end
    end)
  end,
}

client_id = vim.lsp.start_client({
  name = 'trusted-images',
  cmd = { 'node', server, '--stdio' },
  root_dir = root,
  handlers = handlers,
  settings = { trustedImages = { mirrors = { ['docker.io'] = TRUSTED .. '/dockerhub' } } },
  -- Neovim 0.7 does not announce workspace/configuration: settings are pushed, as nvim-lspconfig does.
  on_init = function(client)
    client.notify('workspace/didChangeConfiguration', { settings = client.config.settings })
  end,
  on_exit = function(code)
    if not finished then vim.schedule(function() check('the server keeps running', false, 'exited with ' .. tostring(code)) finish() end) end
  end,
})
if not check('vim.lsp.start_client starts the server', client_id ~= nil) then finish() end
vim.lsp.buf_attach_client(bufnr, client_id)
